#include "source_runner.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "accord/policy/record_validator.h"
#include "checkpoint.h"
#include "row_source.h"

namespace accord::connect {
namespace {

// Reads rows from `source` into the deliverer until the end, a stream
// failure (UnavailableError) or a fatal error.
absl::Status Pump(RowSource& source, const RunOptions& o, Deliverer* d, Progress* progress,
                  const std::function<void()>& maybe_checkpoint, uint64_t* end_offset,
                  uint64_t* end_line) {
  SourceRow row;
  uint64_t rows_seen = 0;  // this pass, for the progress line
  for (;;) {
    if (o.stop != nullptr && o.stop->load(std::memory_order_relaxed)) {
      return absl::CancelledError("stopped by a signal");
    }
    auto more = source.Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) return absl::OkStatus();
    *end_offset = row.end_offset;
    *end_line = row.line + 1 + std::count(row.raw.begin(), row.raw.end(), '\n');
    absl::Status st;
    if (!row.error.empty()) {
      st = d->AddLocalFailure(row, absl::StrCat("unreadable row: ", row.error));
    } else {
      // Mapped straight into a record of the Publisher's open batch.
      st = d->MapAndSend(row, [&](v1::Record* record) -> absl::Status {
        if (o.mapping != nullptr) {
          if (absl::Status s = MapRow(*o.mapping, row.cells, record); !s.ok()) return s;
        } else {
          *record = std::move(*row.record);  // onto the batch's arena: a copy
        }
        if (o.schema != nullptr) {
          policy::Rejection r = policy::ValidateAgainstSchema(*record, *o.schema);
          if (!r.ok()) {
            return absl::InvalidArgumentError(
                absl::StrCat(v1::RejectReason_Name(r.reason), ": ", r.message));
          }
        }
        return absl::OkStatus();
      });
    }
    if (!st.ok()) return st;
    progress->Update(++rows_seen, row.end_offset);
    maybe_checkpoint();
  }
}

}  // namespace

absl::Status RunSource(const std::string& path, const RunOptions& o, Deliverer* d, Progress* progress) {
  const bool durable = o.use_checkpoint && path != "-";
  const std::string cp_path = durable ? CheckpointPath(path, o.checkpoint_dir) : "";
  Checkpoint cp;
  if (durable) {
    std::string note;
    auto resume = ResumePoint(path, cp_path, &note);
    if (!resume.ok()) return resume.status();
    cp = *resume;
    if (!note.empty()) std::cerr << "accord-connect: " << path << ": " << note << "\n";
    if (cp.offset > 0) {
      std::cerr << "accord-connect: " << path << ": resuming at line " << cp.line << " (byte "
                << cp.offset << ", " << cp.rows_done << " rows already delivered)\n";
    }
  }
  d->Reset(Position{cp.offset, cp.line, cp.rows_done});
  uint64_t saved_offset = cp.offset;
  absl::Time last_save = absl::Now();
  auto save = [&](bool force) -> absl::Status {
    if (!durable) return absl::OkStatus();
    if (d->progress().offset == saved_offset) return absl::OkStatus();
    if (!force && absl::Now() - last_save < o.checkpoint_every) return absl::OkStatus();
    // Position first, then sync the dead letters written up to it: the
    // checkpoint never gets ahead of a dead letter on disk.
    const Position p = d->progress();
    if (d->dead_letter() != nullptr) {
      if (absl::Status s = d->dead_letter()->Sync(); !s.ok()) return s;
    }
    Checkpoint c = cp;
    c.offset = p.offset;
    c.line = p.line;
    c.rows_done = p.rows_done;
    last_save = absl::Now();
    saved_offset = p.offset;
    return SaveCheckpoint(cp_path, c);
  };
  uint64_t checks = 0;
  auto maybe_checkpoint = [&] {
    if ((++checks & 63) == 0) (void)save(false);
  };
  // Files are re-read from the checkpoint after a reconnect; stdin cannot be,
  // so its unfinished rows are resent from memory instead.
  const bool from_memory = path == "-";
  d->set_keep_for_replay(from_memory);
  std::unique_ptr<RowSource> source;
  bool first_pass = true;
  bool at_end = false;
  uint64_t end_offset = 0, end_line = 1;
  for (;;) {
    if (!source || !from_memory) {
      const Position at = d->progress();
      auto opened = OpenSource(path, o.mapping, at.offset, at.line);
      if (!opened.ok()) return opened.status();
      source = std::move(*opened);
      if (first_pass) progress->Start(path, source->size_hint(), at.offset);
      first_pass = false;
      end_offset = at.offset;
      end_line = at.line;
      at_end = false;
    }
    absl::Status s = at_end ? absl::OkStatus()
                            : Pump(*source, o, d, progress, maybe_checkpoint, &end_offset, &end_line);
    if (s.ok()) at_end = true;
    if (s.ok() || absl::IsCancelled(s)) {
      absl::Status drained = d->Drain();
      if (drained.ok()) {
        if (s.ok()) d->MarkEnd(end_offset, end_line);
        absl::Status saved = save(true);
        progress->Finish(d->stats().read, d->progress().offset);
        if (!saved.ok()) return saved;
        return s;
      }
      s = drained;
    }
    for (;;) {  // reconnect until the hub is back (and, for stdin, the replay is through)
      if (!absl::IsUnavailable(s)) {
        (void)save(true);
        return s;
      }
      (void)save(true);
      if (o.stop != nullptr && o.stop->load()) return absl::CancelledError("stopped by a signal");
      std::cerr << "accord-connect: " << s.message() << "\n";
      if (absl::Status r = d->Recover(); !r.ok()) return r;
      if (!from_memory) break;
      s = d->Replay();
      if (s.ok()) break;
    }
  }
}

}  // namespace accord::connect
