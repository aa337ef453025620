// The second half of the policy stage: making one batch's outcome durable.
//
// A StageOutcome is what applying the flows to a run of ingest records
// produced: the disclosures to make (cleaned record, its bytes as sent and
// its ledger entry) and the records quarantined. OutcomeCommitter writes it,
// in ONE fsync'd WriteBatch:
//   - each quarantined record's reason,
//   - each cleaned record appended to its recipient's feed (FeedStore: the
//     one sealed copy, one key per recipient and period per batch),
//   - each disclosure staged into the audit store (DisclosureSink) and the
//     disclosure index,
//   - the ledger entries plus the new signed tree head (one ledger append per
//     outcome, timestamped `decided_at`),
//   - whatever the caller adds (its input position),
// so a crash commits all of it or none.
//
// Determinism: the result depends only on the committed state and the
// outcome, never on the clock or on this process. With several hub processes
// (the Kafka journal, journal.h) every process commits the same outcomes in
// the same order and so holds the same feeds and a byte-identical ledger with
// identical signed tree heads (Ed25519 signatures are deterministic; the
// processes share the ledger signing key).
//
// Threading: Open() and Commit() on one writer thread; stats() anywhere.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/hub/core/disclosure_sink.h"
#include "accord/hub/core/feed_store.h"
#include "accord/hub/core/feed_notifier.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/outcome_sink.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/v1/journal.pb.h"
#include "accord/v1/record.pb.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {

struct StageOutcome {
  // The ledger time of the append (the tree head's timestamp, never earlier
  // than the previous head's).
  absl::Time decided_at;
  struct Disclosure {
    // The cleaned record's envelope: every field but its values (`fields`
    // may be empty; from the journal it is filled). Routing, the audit store
    // and the indexes read only the envelope.
    v1::CleanedRecord record;
    std::string serialized;    // the whole cleaned record exactly as the recipient receives it
    std::string ledger_entry;  // the serialized v1::LedgerEntry (Merkle leaf)
  };
  std::vector<Disclosure> disclosures;
  struct Quarantined {
    int32_t partition = 0;
    uint64_t offset = 0;
    std::string reason;  // names fields and rules, never values
  };
  std::vector<Quarantined> quarantined;
};

// The journal form (accord/v1/journal.proto), split into parts whose
// disclosures take at most `max_bytes` each (a part holds at least one
// disclosure, so a larger one goes alone); quarantined records go in the first
// part. Each part has `decided_at`. No parts for an empty outcome.
std::vector<v1::PolicyOutcome> ToJournal(const StageOutcome& outcome, size_t max_bytes);
// Each disclosure carries its envelope beside the cleaned record's bytes
// (PolicyOutcome.Disclosure.envelope).
//
// And back, taking `in` apart (its bytes are moved, not copied). A disclosure
// with its envelope is read without parsing its values; one written before
// envelopes existed has its cleaned record parsed whole. DataLoss when a
// cleaned record does not parse, or an envelope holds values, or either lacks
// the recipient or delivery id.
absl::StatusOr<StageOutcome> FromJournal(v1::PolicyOutcome in);

// Counters for metrics; all monotonic.
struct PipelineStats {
  std::atomic<uint64_t> records{0};  // ingest records the flows were applied to
  std::atomic<uint64_t> disclosures{0};
  std::atomic<uint64_t> quarantined{0};
  std::atomic<uint64_t> batches{0};             // outcomes committed
  std::atomic<uint64_t> duplicates_skipped{0};  // with dedupe_deliveries
  // Disclosures neither fed nor stored: the record's period was already
  // past retention (erased) when it arrived. Their ledger entries remain.
  std::atomic<uint64_t> past_retention{0};
  // RocksDB keys the commits wrote (feeds, audit store, indexes, ledger,
  // dedupe; not the caller's input position): over `disclosures`, the keys
  // written per disclosure.
  std::atomic<uint64_t> store_keys{0};
  // Failed reads of the ingest log, each retried (PolicyStage).
  std::atomic<uint64_t> poll_errors{0};
};

class OutcomeCommitter final : public OutcomeSink {
 public:
  // Called after each commit for each disclosure (for metrics), on the writer
  // thread, with the disclosure's envelope (StageOutcome::Disclosure::record).
  using DisclosureObserver = std::function<void(const v1::CleanedRecord&)>;

  // `dedupe_deliveries`: skip disclosures whose delivery id was committed
  // before (needed with an at-least-once log such as Kafka). Reads the feed
  // heads. Every pointer is borrowed and must outlive the committer.
  static absl::StatusOr<std::unique_ptr<OutcomeCommitter>> Open(
      HubDb* db, ledger::MerkleLog* ledger, FeedStore* feed_store, DisclosureSink* sink, FeedNotifier* feeds,
      bool dedupe_deliveries, PipelineStats* stats, DisclosureObserver observer = nullptr);

  // Commits `outcome` (left as it was: the stage reuses its memory) plus whatever
  // `stage_position` adds to the batch, durably (fsync). On error nothing
  // changed: call again with the same outcome.
  absl::Status Commit(StageOutcome& outcome,
                      const std::function<void(rocksdb::WriteBatch*)>& stage_position);
  // OutcomeSink: Commit() with the log's consumed position for `entries`
  // staged in the same WriteBatch.
  absl::Status Take(IngestLog* log, const std::vector<IngestLog::Entry>& entries, StageOutcome& outcome) override;

 private:
  OutcomeCommitter(HubDb* db, ledger::MerkleLog* ledger, FeedStore* feed_store, DisclosureSink* sink,
                   FeedNotifier* feeds, bool dedupe, PipelineStats* stats, DisclosureObserver observer)
      : db_(db), ledger_(ledger), feed_store_(feed_store), sink_(sink), feeds_(feeds), dedupe_(dedupe),
        stats_(stats), observer_(std::move(observer)) {}

  HubDb* const db_;
  ledger::MerkleLog* const ledger_;
  FeedStore* const feed_store_;
  DisclosureSink* const sink_;
  FeedNotifier* const feeds_;
  const bool dedupe_;
  PipelineStats* const stats_;
  const DisclosureObserver observer_;
  rocksdb::WriteBatch batch_;  // Commit()'s, cleared and reused (writer thread)
  // Commit()'s: the ledger entries while they are staged (empty strings
  // between commits; the vector is reused).
  std::vector<std::string> ledger_entries_;
  std::vector<DisclosureSink::Disclosure> staged_;  // the batch as the sink gets it
};

}  // namespace accord::hub
