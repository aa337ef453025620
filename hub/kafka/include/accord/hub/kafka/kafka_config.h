// Configuration of the Kafka backbone (log_backend: kafka in the hub config).
//
//   kafka:
//     brokers: "k1:9092,k2:9092"     # bootstrap servers (required)
//     topic_prefix: accord           # topics: <prefix>.ingest, .journal, .quarantine, .feed.<recipient>
//     partitions: 6                  # partitions of topics the hub creates
//     replication_factor: 3          # replication of topics the hub creates (-1 = broker default)
//     group_id: ""                   # consumer group (default <prefix>.policy)
//     linger_ms: 5                   # producer batching delay
//     batch_bytes: 1048576           # producer batch size
//     message_timeout_ms: 30000      # an append not stored by then fails with UNAVAILABLE
//     max_inflight_batches: 256      # Publish batches awaiting Kafka acks (back-pressure beyond)
//     data_key_id: k1                # current data key for personal fields (rotate by changing it)
//     feed_topics: true              # mirror each recipient's feed to <prefix>.feed.<recipient>
//     properties:                    # passed to librdkafka as is (security.protocol, sasl.*, ssl.*...)
//       security.protocol: SASL_SSL
//
// Thread safety: a plain value type.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"

namespace accord::hub {

struct KafkaConfig {
  std::string brokers;
  std::string topic_prefix = "accord";
  int partitions = 6;
  int replication_factor = 3;
  std::string group_id;  // default: <topic_prefix>.policy
  int linger_ms = 5;
  int batch_bytes = 1 << 20;
  int message_timeout_ms = 30000;
  size_t max_inflight_batches = 256;
  std::string data_key_id = "k1";
  // Mirror every recipient's cleaned feed to its own topic, for recipients
  // that read Kafka directly (see hub/README.md). Default: true.
  bool feed_topics = true;
  std::map<std::string, std::string> properties;

  std::string ingest_topic() const { return topic_prefix + ".ingest"; }
  // One partition each, so a recipient reads its feed in position order.
  std::string feed_topic(const std::string& recipient) const { return topic_prefix + ".feed." + recipient; }
  // Records the policy stage quarantined, sealed as in the ingest topic; one partition.
  std::string quarantine_topic() const { return topic_prefix + ".quarantine"; }
  // The hub journal shared by every hub process (kafka_journal.h); one partition.
  std::string journal_topic() const { return topic_prefix + ".journal"; }
  std::string consumer_group() const { return group_id.empty() ? topic_prefix + ".policy" : group_id; }

  // Every problem in one InvalidArgument, naming the key.
  absl::Status Validate() const;
};

}  // namespace accord::hub
