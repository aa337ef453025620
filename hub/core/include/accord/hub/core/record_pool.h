// RecordPool: a bounded stock of cleared v1::Record messages, so that the
// Publish path parses each record into a message whose memory is reused
// instead of allocating (and touching fresh pages for) every object anew.
//
// What a cleared record keeps (protobuf 3.21, proto3): the heap strings of
// its string fields with their capacity, and its `fields` elements (the
// Field objects, each with its name's string). Clear() deletes proto3
// singular sub-messages (event_time, each Field's value) and oneof members,
// so those are allocated again by the next parse; the parsed record is
// exactly what parsing into a fresh message gives (nothing stale survives a
// Clear()).
//
// The records come back from where they end: RocksDbIngestLog::Poll() gives
// the records its consumer has finished with (instead of destroying them),
// the Publish decoder (hub/server batch_decoder.h) takes them. Records move
// in bulk: one lock per call, never one per record. Beyond `capacity` spare
// records, Give() destroys the rest, so the pool never holds more than
// `capacity` records' memory. Nothing is logged or counted per record.
//
// Thread safety: Take() and Give() are thread-safe (one internal mutex).
#pragma once

#include <cstddef>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "accord/v1/record.pb.h"

namespace accord::hub {

class RecordPool {
 public:
  // Records are kept on the heap (never on an arena).
  explicit RecordPool(size_t capacity);
  RecordPool(const RecordPool&) = delete;
  RecordPool& operator=(const RecordPool&) = delete;

  // Moves up to `n` spare (cleared) records to the end of `*out`; fewer, or
  // none, when the pool holds fewer.
  void Take(size_t n, std::vector<v1::Record>* out);

  // Clears each record of `*records` (outside the lock) and keeps as many as
  // fit under the capacity; the others are destroyed. `*records` is left
  // empty. Records on an arena are destroyed, never kept.
  void Give(std::vector<v1::Record>* records);

  size_t capacity() const { return capacity_; }
  size_t size() const;

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::vector<v1::Record> spare_ ABSL_GUARDED_BY(mu_);
};

}  // namespace accord::hub
