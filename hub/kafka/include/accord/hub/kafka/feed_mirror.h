// FeedMirror: copies every recipient's cleaned feed from the hub's store to a
// Kafka topic of its own, <prefix>.feed.<recipient> (one partition, so the
// topic is in feed order), for recipients that read Kafka directly.
//
// Payload: each message value is an accord.v1.Delivery (position + the
// CleanedRecord), exactly what FeedService.Subscribe sends; the key is the
// record's delivery_id; header "accord-position" holds the position in
// decimal; header "accord-schema" names the value's type, accord.v1.Delivery.
// Delivery is at-least-once: after a crash the mirror re-sends from
// its last stored position, so consumers de-duplicate on delivery_id (as gRPC
// subscribers do). Feed entries are sealed at rest in the hub; the topics
// hold what the recipient receives, so give them a retention.ms within the
// agreements' retention (an entry erased before it was mirrored is skipped).
//
// Progress: after Kafka acknowledged a batch (idempotent producer, acks=all)
// the mirrored position is stored in the meta column family under
// "kafka_feed/<recipient>". The feed in RocksDB stays the source of truth.
//
// Several hub processes: every process holds the same feeds (the journal), but
// only one mirrors: the one the consumer group <group>.feed-mirror assigns the
// journal topic's partition (a lease; no message is read through it). A process
// that takes the lease over resumes after the last position found in each feed
// topic, so a takeover may repeat a short run of deliveries (at-least-once;
// readers skip positions they have seen) but never skips one.
//
// Threading: Start() launches one thread; Stop() (or the destructor) joins it.
// `heads` is called on that thread and must be thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/feed_store.h"
#include "accord/hub/kafka/kafka_config.h"

namespace accord::hub {

class FeedMirror {
 public:
  // recipient -> current feed head.
  using HeadsFn = std::function<std::map<std::string, uint64_t>()>;

  // Fails on an invalid config or a producer librdkafka refuses; an
  // unreachable cluster only delays mirroring (retried every `interval`).
  // `feeds` reads the sealed feed entries; it must outlive the mirror.
  static absl::StatusOr<std::unique_ptr<FeedMirror>> Start(const KafkaConfig& config, HubDb* db,
                                                           FeedStore* feeds, HeadsFn heads,
                                                           absl::Duration interval = absl::Milliseconds(100));
  ~FeedMirror();
  void Stop();

  // Position mirrored so far for `recipient` (0 if none). Thread-safe.
  uint64_t mirrored(const std::string& recipient) const;

  struct Impl;

 private:
  explicit FeedMirror(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::hub
