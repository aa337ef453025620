// librdkafka handles as unique_ptrs, configuration, and the one place where
// librdkafka error codes become absl::Status.
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "accord/hub/kafka/kafka_config.h"

namespace accord::hub::kafka {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* p) const { rd_kafka_destroy(p); }
  void operator()(rd_kafka_conf_t* p) const { rd_kafka_conf_destroy(p); }
  void operator()(rd_kafka_topic_partition_list_t* p) const { rd_kafka_topic_partition_list_destroy(p); }
  void operator()(rd_kafka_message_t* p) const { rd_kafka_message_destroy(p); }
  void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); }
  void operator()(rd_kafka_event_t* p) const { rd_kafka_event_destroy(p); }
  void operator()(rd_kafka_AdminOptions_t* p) const { rd_kafka_AdminOptions_destroy(p); }
  void operator()(rd_kafka_NewTopic_t* p) const { rd_kafka_NewTopic_destroy(p); }
  void operator()(const rd_kafka_metadata_t* p) const { rd_kafka_metadata_destroy(p); }
};
using KafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
using KafkaConfPtr = std::unique_ptr<rd_kafka_conf_t, RdKafkaDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, RdKafkaDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, RdKafkaDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, RdKafkaDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, RdKafkaDeleter>;
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, RdKafkaDeleter>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, RdKafkaDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, RdKafkaDeleter>;

// The single translation of librdkafka errors: transient broker and network
// errors become UNAVAILABLE (retry), the rest keep their meaning.
absl::Status FromKafka(rd_kafka_resp_err_t err, std::string_view what);

// A configuration with `properties` applied in order; InvalidArgument naming
// the property librdkafka refused. librdkafka's own diagnostics go to the
// hub's log (they name brokers and partitions, never values).
absl::StatusOr<KafkaConfPtr> MakeConf(const std::map<std::string, std::string>& properties);

// Waits up to `timeout_ms` for every queued message to be delivered; what is
// still undelivered then is purged, so every message has had its delivery
// report (a failure, for the purged) when this returns.
void FlushOrPurge(rd_kafka_t* producer, int timeout_ms);

// The pass-through properties plus the brokers.
std::map<std::string, std::string> CommonProperties(const KafkaConfig& config);
// CommonProperties plus what the hub's guarantees need of a producer:
// idempotence, acks=all, and the configured batching and timeout.
std::map<std::string, std::string> IdempotentProducerProperties(const KafkaConfig& config);

}  // namespace accord::hub::kafka
