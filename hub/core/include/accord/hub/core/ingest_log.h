// IngestLog: the hub's durable log of accepted raw records, between the
// Publish reactors (producers) and the policy stage (the one consumer).
//
// Two implementations plug in behind this interface:
//   - RocksDbIngestLog (rocksdb_ingest_log.h), the embedded default: one
//     partition in the hub's RocksDB; de-duplicates record ids on append; the
//     consumer's position is committed atomically with the policy stage's
//     outcome (StageConsumed adds it to the same WriteBatch).
//   - a Kafka log (the Kafka issue): partitions in an ingest topic, a
//     consumer group, offsets committed in Consumed() after the outcome is
//     durable; duplicates are then removed downstream by delivery id.
//
// Contract:
//   - Append durability: a batch's `done` reports OK only once every record
//     it accepted is durable in the log; a failed batch stored nothing that
//     will be acknowledged (a record that was stored anyway is a harmless
//     duplicate: the consumer side de-duplicates).
//   - Back-pressure: TryAppend() never blocks and never buffers beyond the
//     implementation's bound; it returns false when full or stopping.
//   - Consumption is at-least-once: Poll() returns, in log order, the
//     records after those it returned last (after a restart: after the last
//     position passed to StageConsumed/Consumed), so the consumer may poll
//     the next batch before the previous one is consumed. A record is gone
//     for good only after Consumed() for it.
//
// Threading: TryAppend(), last_appended(), backlog() are thread-safe.
// Poll() is called by one consumer thread; StageConsumed(), Consumed() and
// Quarantine() by one consumer thread (possibly another), for batches in the
// order Poll() returned them.
// `done` and the appended callback run on the log's own thread and must not
// block. Poll() wakes by itself when records arrive.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "accord/v1/record.pb.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {

class IngestLog {
 public:
  enum class Outcome : uint8_t { kAccepted, kDuplicate };

  struct Batch {
    // Validated records, owned by the batch until `done` runs.
    std::vector<v1::Record> records;
    // Optional: empty, or one per record, that record serialized (e.g. its
    // bytes as received, holding nothing but its fields). A log that stores
    // plain bytes uses these instead of serializing the records again.
    std::vector<std::string> serialized;
    // Called once: OK with one outcome per record, or the error that stopped
    // the append (nothing of the batch is acknowledged then).
    std::function<void(absl::Status, const std::vector<Outcome>&)> done;
    // Internal (QuarantineService.ReplayQuarantined; never filled from a
    // request): empty, or one per record, the kept quarantined copy that
    // record re-runs. Only the embedded log (rocksdb_ingest_log.h) honours
    // it: such a record bypasses the dedupe index (its id was seen when it
    // was first accepted) and its kept copy leaves in the same durable write;
    // kDuplicate then means "no longer kept" (replayed or swept meanwhile).
    struct ReplayOf {
      uint64_t offset = 0;                 // where it was in the log
      std::vector<std::string> kept_keys;  // its kept copies (the first must exist)
    };
    std::vector<ReplayOf> replays;
  };

  // One record read back by the consumer, decoded once by Poll(): its
  // position and the record itself, parsed and opened (sealed fields
  // decrypted, the record id restored), ready for the flows. The consumer
  // never parses or opens it again.
  struct Entry {
    int32_t partition = 0;
    uint64_t offset = 0;
    // The decoded record; meaningful only when unreadable_reason is empty.
    v1::Record record;
    // Non-empty when the log could not restore the record (for example a
    // field that does not decrypt): the consumer quarantines it with this
    // reason, which never contains a value.
    std::string unreadable_reason;
    // Private to the log that filled the entry, for its Quarantine(); never
    // logged. The Kafka log: the ingest message exactly as the topic holds it
    // (personal fields and record id sealed), kept as is, never sealed again;
    // empty for a record the topic holds with its id in clear (from before
    // ids were sealed), which Quarantine() seals from `record`. The embedded
    // log: the record's serialized bytes as Poll() opened them (Quarantine()
    // seals them under the quarantine key). With unreadable_reason: the record
    // as the log stored it.
    std::string stored;
    // When a hub process accepted the record, where the log knows it (Kafka:
    // the message's create time, set by the accepting process's producer);
    // otherwise the infinite past. For accord_publish_delivery_seconds only.
    absl::Time accepted_at = absl::InfinitePast();

    // Empties the entry, keeping its memory for the next Poll().
    void Reset() {
      partition = 0;
      offset = 0;
      accepted_at = absl::InfinitePast();
      record.Clear();
      unreadable_reason.clear();
      stored.clear();
    }
  };

  // A record the consumer quarantined, and why (names fields and rules, never values).
  struct QuarantinedEntry {
    const Entry* entry = nullptr;
    std::string reason;
  };

  virtual ~IngestLog() = default;

  // Queues `batch` for a durable append; false (and `batch` untouched) when
  // the log is full or stopping.
  virtual bool TryAppend(Batch& batch) = 0;

  // Waits up to `wait` for records after the consumed position and returns up
  // to `max` of them in log order (possibly none), decoded (Entry). `*out` is
  // replaced; the entries it held are reused (their memory kept), so a
  // consumer that passes back the same vector decodes without allocating.
  virtual absl::Status Poll(absl::Duration wait, size_t max, std::vector<Entry>* out) = 0;

  // Adds to `wb` whatever makes `consumed` (the records of one Poll, all of
  // them handled) consumed atomically with the consumer's outcome. The
  // embedded log records its position and deletes the raw records here.
  virtual void StageConsumed(const std::vector<Entry>& consumed, rocksdb::WriteBatch* wb) = 0;

  // Called once the consumer's outcome for `consumed` is durable.
  virtual absl::Status Consumed(const std::vector<Entry>& consumed) = 0;

  // Called before Consumed() with the records of the batch the consumer
  // quarantined, so that the log can keep them for investigation; returns
  // once they are kept (an error makes the consumer retry the batch). Both
  // logs keep them sealed (the embedded log in the quarantine column family,
  // Kafka in the quarantine topic); the consumer keeps the reasons. The
  // default keeps nothing.
  virtual absl::Status Quarantine(const std::vector<QuarantinedEntry>& records) {
    return absl::OkStatus();
  }

  // Records appended but not yet consumed (for metrics and draining).
  virtual uint64_t backlog() const = 0;

  // Whether TryAppend() would refuse any batch now, for lack of room: a hint
  // (the answer may change at once) that lets a caller refuse a batch unread
  // instead of decoding it first. Thread-safe. The default: never.
  virtual bool Full() const { return false; }

  // Fails queued appends with UNAVAILABLE, finishes the one in progress and
  // stops the log's thread. The consumer may still Poll() what was appended
  // (to drain) after Stop().
  virtual void Stop() = 0;
};

}  // namespace accord::hub
