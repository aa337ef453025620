// Deliverer: publishes mapped rows to the hub and keeps, in row order, how
// far delivery is final, for the checkpoint.
//
// Each row is either sent (Send) or failed locally (AddLocalFailure, which
// dead-letters it). A row's outcome is final when the hub has ACCEPTED it,
// reported it as a DUPLICATE (already delivered: exactly once), or REJECTED
// it (dead-lettered with the reason), or it failed locally. progress() is the
// position just after the longest prefix of final rows: the resume point.
//
// Retries: when the stream fails with a retryable code (the hub is down,
// restarting, or answers UNAVAILABLE), Send/Drain return UnavailableError.
// The caller then calls Recover() (backoff with jitter, a fresh channel and
// stream) and re-reads its source from progress(); rows already delivered
// come back as DUPLICATE. Memory is bounded by the Publisher's window plus
// one entry per row in it. A non-retryable code (PERMISSION_DENIED, ...,
// and RESOURCE_EXHAUSTED: a batch or record over the hub's limits) is
// returned as is and ends the run.
//
// Rows are mapped straight into a record of the Publisher's open batch
// (MapAndSend, on the batch's arena), so a row costs no heap record.
//
// Dead letters are written once per row and run: a row re-read after a
// rewind is not dead-lettered or counted again.
//
// Threads: Send/AddLocalFailure/Drain/Recover from one thread; the outcome
// callback runs on the Publisher's reader thread; stats()/progress() are
// thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "accord/client/channel.h"
#include "accord/client/publisher.h"
#include "dead_letter.h"
#include "row_source.h"

namespace accord::connect {

struct DeliveryStats {
  uint64_t read = 0;           // rows read (first time)
  uint64_t sent = 0;           // records sent (first time)
  uint64_t resent = 0;         // records sent again after a reconnect
  uint64_t accepted = 0;
  uint64_t duplicate = 0;      // already at the hub (resends, reruns)
  std::map<std::string, uint64_t> rejected;      // by the hub, by reason
  std::map<std::string, uint64_t> failed_local;  // unparseable/unmappable, by reason
  uint64_t dead_lettered = 0;
  uint64_t reconnects = 0;
};

struct Position {
  uint64_t offset = 0;
  uint64_t line = 1;
  uint64_t rows_done = 0;
};

struct DeliveryOptions {
  client::ChannelOptions channel;
  client::PublisherOptions publisher;
  // Backoff between reconnects: initial, doubling to max, each +-25% jitter.
  // Reset after an ack. Defaults 200 ms and 10 s.
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(10);
  // Dry run: nothing is sent; Send() counts the record as accepted.
  bool dry_run = false;
};

class Deliverer {
 public:
  Deliverer(DeliveryOptions options, DeadLetter* dead_letter);
  ~Deliverer();
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  // Starts a new source at `at` (a checkpoint, or 0). Nothing may be pending.
  void Reset(Position at);

  // Fills in the record for `row`. A non-OK status means the row cannot be
  // mapped; its message becomes the dead letter's reason.
  using MapFn = absl::FunctionRef<absl::Status(v1::Record* record)>;

  // Maps `row` with `map` straight into a record in the Publisher's open
  // batch (on its arena: no heap record, no copy) and sends it. If `map`
  // fails, the row is failed locally instead (AddLocalFailure with reason
  // "mapping: <message>") and nothing is sent. `map` gets an empty record
  // and runs on this thread; it must not call into the Deliverer.
  absl::Status MapAndSend(const SourceRow& row, MapFn map);
  // Sends a record built elsewhere (copied into the batch).
  absl::Status Send(v1::Record record, const SourceRow& row);
  absl::Status AddLocalFailure(const SourceRow& row, const std::string& reason);
  // Waits until every sent row is final.
  absl::Status Drain();
  // After UnavailableError: drops the failed stream, waits the backoff, and
  // prepares a fresh channel. Resume from progress().
  absl::Status Recover();
  // For sources that cannot be re-read (stdin): keep a copy of every record
  // until its outcome is final, so that after Recover() Replay() can resend
  // the unfinished ones from memory (bounded by the Publisher's window).
  void set_keep_for_replay(bool keep) { keep_for_replay_ = keep; }
  // After Recover() with keep_for_replay: resends, in order, every row whose
  // outcome was not final. UnavailableError if the stream fails again.
  absl::Status Replay();
  // Marks the end of the source (trailing blank lines) once drained.
  void MarkEnd(uint64_t offset, uint64_t line);
  // Closes the stream. OK or the hub's final status.
  absl::Status Close();

  Position progress() const;
  DeliveryStats stats() const;
  // Where the next dead letters go (a watched directory has one per file).
  // Only between sources (nothing pending).
  void set_dead_letter(DeadLetter* dead_letter) { dead_letter_ = dead_letter; }
  DeadLetter* dead_letter() const { return dead_letter_; }

 private:
  struct Entry {
    uint64_t end_offset;
    uint64_t next_line;
    uint64_t line;
    uint64_t begin_offset;
    bool local;  // failed locally (final already)
    std::string raw;
    std::shared_ptr<const v1::Record> record;  // keep_for_replay only
  };
  void OnOutcome(const v1::Record& record, const v1::RecordOutcome& outcome);
  void PopFinalLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AdvanceLocked(const Entry& e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status EnsurePublisher();
  absl::Status StreamStatus();
  // Classifies a Publisher error: retryable (retry_, UnavailableError) or fatal.
  absl::Status PublishFailed(const absl::Status& s);

  DeliveryOptions options_;
  DeadLetter* dead_letter_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<client::Publisher> publisher_;
  absl::Duration backoff_;
  absl::BitGen rng_;
  uint64_t sent_high_ = 0;  // highest end_offset sent at least once (this run)
  bool keep_for_replay_ = false;
  std::deque<Entry> replay_;  // after Recover(): rows to resend, in order
  // Where MapAndSend() maps a row when no batch can take it (dry run, or the
  // stream has failed and the row is only kept for Replay()).
  v1::Record scratch_;

  mutable absl::Mutex mu_;
  std::deque<Entry> pending_ ABSL_GUARDED_BY(mu_);
  // Row texts whose outcome is final, kept for reuse: the reading thread
  // would otherwise allocate one per row and the Publisher's reader thread
  // free it. At most kMaxSpareRaw strings of kMaxSpareRawBytes each.
  static constexpr size_t kMaxSpareRaw = 1024;
  static constexpr size_t kMaxSpareRawBytes = 4096;
  std::vector<std::string> spare_raw_ ABSL_GUARDED_BY(mu_);
  Position done_ ABSL_GUARDED_BY(mu_);
  uint64_t dead_high_ ABSL_GUARDED_BY(mu_) = 0;  // highest end_offset dead-lettered
  bool retry_ ABSL_GUARDED_BY(mu_) = false;      // stream failed, retryable
  absl::Status fatal_ ABSL_GUARDED_BY(mu_);
  bool acked_since_recover_ ABSL_GUARDED_BY(mu_) = false;
  DeliveryStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace accord::connect
