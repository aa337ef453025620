#include "delivery.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace accord::connect {
namespace {
// Retry after these stream codes, except RESOURCE_EXHAUSTED: the hub uses it
// for a message or batch over its limits, which resending cannot fix.
bool ShouldRetry(absl::StatusCode code) {
  return code != absl::StatusCode::kResourceExhausted && client::IsRetryable(code);
}

uint64_t NextLine(const SourceRow& row) {
  return row.line + 1 + std::count(row.raw.begin(), row.raw.end(), '\n');
}
}  // namespace

Deliverer::Deliverer(DeliveryOptions options, DeadLetter* dead_letter)
    : options_(std::move(options)), dead_letter_(dead_letter), backoff_(options_.initial_backoff) {}

Deliverer::~Deliverer() {
  if (publisher_) (void)publisher_->Close();
}

void Deliverer::Reset(Position at) {
  sent_high_ = 0;
  absl::MutexLock lock(&mu_);
  pending_.clear();
  done_ = at;
  dead_high_ = 0;
}

Position Deliverer::progress() const {
  absl::MutexLock lock(&mu_);
  return done_;
}

DeliveryStats Deliverer::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void Deliverer::AdvanceLocked(const Entry& e) {
  done_.offset = e.end_offset;
  done_.line = e.next_line;
  ++done_.rows_done;
}

void Deliverer::PopFinalLocked() {
  while (!pending_.empty() && pending_.front().local) {
    AdvanceLocked(pending_.front());
    pending_.pop_front();
  }
}

absl::Status Deliverer::AddLocalFailure(const SourceRow& row, const std::string& reason) {
  absl::MutexLock lock(&mu_);
  if (row.end_offset > dead_high_ || row.end_offset == 0) {
    dead_high_ = std::max(dead_high_, row.end_offset);
    ++stats_.read;
    ++stats_.failed_local[reason];
    ++stats_.dead_lettered;
    if (absl::Status s = dead_letter_->Write(row.line, row.begin_offset, reason, row.raw); !s.ok()) {
      return s;
    }
  }
  pending_.push_back(Entry{row.end_offset, NextLine(row), row.line, row.begin_offset, true, {}, nullptr});
  PopFinalLocked();
  return absl::OkStatus();
}

absl::Status Deliverer::EnsurePublisher() {
  if (publisher_) return absl::OkStatus();
  if (!channel_) {
    auto channel = client::MakeChannel(options_.channel);
    if (!channel.ok()) return channel.status();
    channel_ = *channel;
  }
  auto publisher = client::Publisher::Open(
      channel_, options_.channel, options_.publisher,
      [this](const v1::Record& r, const v1::RecordOutcome& o) { OnOutcome(r, o); });
  if (!publisher.ok()) return publisher.status();
  publisher_ = std::move(*publisher);
  return absl::OkStatus();
}

absl::Status Deliverer::StreamStatus() {
  absl::MutexLock lock(&mu_);
  if (!fatal_.ok()) return fatal_;
  if (retry_) return absl::UnavailableError("the hub stream failed; retrying");
  return absl::OkStatus();
}

absl::Status Deliverer::PublishFailed(const absl::Status& s) {
  absl::MutexLock lock(&mu_);
  if (!ShouldRetry(s.code())) {
    fatal_ = s;
    return s;
  }
  retry_ = true;
  return absl::UnavailableError(absl::StrCat("the hub stream failed: ", s.message()));
}

absl::Status Deliverer::Send(v1::Record record, const SourceRow& row) {
  return MapAndSend(row, [&record](v1::Record* r) {
    *r = std::move(record);
    return absl::OkStatus();
  });
}

absl::Status Deliverer::MapAndSend(const SourceRow& row, MapFn map) {
  // A record in the open batch when the stream is (as far as we know) up;
  // otherwise scratch_, so that the row is still mapped and, for stdin, kept
  // for Replay().
  v1::Record* record = &scratch_;
  bool in_batch = false;
  absl::Status publisher_error;  // NewRecord() failed: the stream has ended
  if (!options_.dry_run && StreamStatus().ok()) {
    if (absl::Status s = EnsurePublisher(); !s.ok()) return s;
    absl::StatusOr<v1::Record*> slot = publisher_->NewRecord();
    if (slot.ok()) {
      record = *slot;
      in_batch = true;
    } else {
      publisher_error = slot.status();
    }
  }
  if (!in_batch) record->Clear();
  if (absl::Status mapped = map(record); !mapped.ok()) {
    if (in_batch) publisher_->AbandonRecord();
    return AddLocalFailure(row, absl::StrCat("mapping: ", mapped.message()));
  }
  const bool first = row.end_offset > sent_high_;
  sent_high_ = std::max(sent_high_, row.end_offset);
  if (options_.dry_run) {
    absl::MutexLock lock(&mu_);
    if (first) ++stats_.read, ++stats_.sent, ++stats_.accepted;
    pending_.push_back(Entry{row.end_offset, NextLine(row), row.line, row.begin_offset, true, {}, nullptr});
    PopFinalLocked();
    return absl::OkStatus();
  }
  // The entry goes in first (before its outcome can arrive): if the stream
  // has already failed, a row that cannot be re-read (stdin) is still kept
  // for Replay().
  {
    absl::MutexLock lock(&mu_);
    if (first) ++stats_.read, ++stats_.sent;
    else ++stats_.resent;
    std::string raw;
    if (!spare_raw_.empty()) {
      raw = std::move(spare_raw_.back());
      spare_raw_.pop_back();
    }
    raw.assign(row.raw);
    pending_.push_back(Entry{row.end_offset, NextLine(row), row.line, row.begin_offset, false,
                             std::move(raw),
                             keep_for_replay_ ? std::make_shared<const v1::Record>(*record) : nullptr});
    if (!in_batch) {
      if (!fatal_.ok()) return fatal_;
      if (retry_) return absl::UnavailableError("the hub stream failed; retrying");
    }
  }
  if (!in_batch) return PublishFailed(publisher_error);
  if (absl::Status s = publisher_->CommitRecord(); !s.ok()) return PublishFailed(s);
  return absl::OkStatus();
}

void Deliverer::OnOutcome(const v1::Record& record, const v1::RecordOutcome& outcome) {
  absl::MutexLock lock(&mu_);
  if (retry_ || !fatal_.ok()) return;  // the rest of a failed stream: re-read later
  PopFinalLocked();
  if (pending_.empty()) return;  // cannot happen: one entry per published record
  if (outcome.status() == v1::RecordOutcome::REJECTED &&
      outcome.reason() == v1::REJECT_UNAVAILABLE) {
    const auto code = static_cast<absl::StatusCode>(outcome.code());
    if (outcome.code() == 0 || ShouldRetry(code)) {
      retry_ = true;
    } else {
      fatal_ = absl::Status(code, absl::StrCat("the hub ended the stream: ", outcome.message()));
    }
    return;
  }
  Entry e = std::move(pending_.front());
  pending_.pop_front();
  switch (outcome.status()) {
    case v1::RecordOutcome::ACCEPTED: ++stats_.accepted; break;
    case v1::RecordOutcome::DUPLICATE: ++stats_.duplicate; break;
    default: {
      const std::string reason = v1::RejectReason_Name(outcome.reason());
      // Final, so never re-read: dead-lettered exactly once.
      ++stats_.rejected[reason];
      ++stats_.dead_lettered;
      (void)dead_letter_->Write(e.line, e.begin_offset, absl::StrCat(reason, ": ", outcome.message()), e.raw);
    }
  }
  AdvanceLocked(e);
  acked_since_recover_ = true;
  PopFinalLocked();
  // Back to Send() for the next row: no allocation there, no free here.
  if (spare_raw_.size() < kMaxSpareRaw && e.raw.capacity() <= kMaxSpareRawBytes) {
    spare_raw_.push_back(std::move(e.raw));
  }
}

absl::Status Deliverer::Drain() {
  if (options_.dry_run || !publisher_) return StreamStatus();
  absl::Status s = publisher_->Flush();
  if (absl::Status st = StreamStatus(); !st.ok()) return st;
  if (!s.ok()) {
    if (ShouldRetry(s.code())) {
      absl::MutexLock lock(&mu_);
      retry_ = true;
      return absl::UnavailableError(absl::StrCat("the hub stream failed: ", s.message()));
    }
    return s;
  }
  return absl::OkStatus();
}

absl::Status Deliverer::Recover() {
  if (publisher_) {
    (void)publisher_->Close();
    publisher_.reset();
  }
  channel_.reset();  // a fresh connection, without the old channel's reconnect backoff
  {
    absl::MutexLock lock(&mu_);
    if (!fatal_.ok()) return fatal_;
    if (acked_since_recover_) backoff_ = options_.initial_backoff;
    acked_since_recover_ = false;
    retry_ = false;
    if (keep_for_replay_) {
      // Unfinished rows, then those not yet replayed after an earlier failure.
      std::deque<Entry> next = std::move(pending_);
      for (auto& e : replay_) next.push_back(std::move(e));
      replay_ = std::move(next);
    }
    pending_.clear();
    ++stats_.reconnects;
  }
  if (dead_letter_ != nullptr) dead_letter_->Flush();
  const double jitter = absl::Uniform(rng_, 0.75, 1.25);
  absl::SleepFor(backoff_ * jitter);
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  return absl::OkStatus();
}

absl::Status Deliverer::Replay() {
  if (absl::Status s = EnsurePublisher(); !s.ok()) return s;
  while (!replay_.empty()) {
    if (absl::Status s = StreamStatus(); !s.ok()) return s;
    Entry e = std::move(replay_.front());
    replay_.pop_front();
    std::shared_ptr<const v1::Record> record = e.record;
    {
      absl::MutexLock lock(&mu_);
      const bool local = e.local;
      if (!local) ++stats_.resent;
      pending_.push_back(std::move(e));
      if (local) {
        PopFinalLocked();
        continue;
      }
    }
    if (absl::Status s = publisher_->Publish(*record); !s.ok()) return PublishFailed(s);
  }
  return absl::OkStatus();
}

void Deliverer::MarkEnd(uint64_t offset, uint64_t line) {
  absl::MutexLock lock(&mu_);
  if (pending_.empty() && offset > done_.offset) {
    done_.offset = offset;
    done_.line = line;
  }
}

absl::Status Deliverer::Close() {
  if (dead_letter_ != nullptr) dead_letter_->Flush();
  if (!publisher_) return absl::OkStatus();
  absl::Status s = publisher_->Close();
  publisher_.reset();
  return s;
}

}  // namespace accord::connect
