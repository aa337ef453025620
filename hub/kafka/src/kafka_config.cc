#include "accord/hub/kafka/kafka_config.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "re2/re2.h"

namespace accord::hub {

absl::Status KafkaConfig::Validate() const {
  std::vector<std::string> errors;
  if (brokers.empty()) errors.push_back("kafka.brokers is required (host:port[,host:port...])");
  static const LazyRE2 kTopicName = {R"([A-Za-z0-9._-]{1,200})"};
  if (!RE2::FullMatch(topic_prefix, *kTopicName)) {
    errors.push_back("kafka.topic_prefix must be 1-200 of [A-Za-z0-9._-]");
  }
  if (partitions < 1 || partitions > 10000) errors.push_back("kafka.partitions must be in [1, 10000]");
  if (replication_factor != -1 && (replication_factor < 1 || replication_factor > 100)) {
    errors.push_back("kafka.replication_factor must be -1 (broker default) or in [1, 100]");
  }
  if (linger_ms < 0 || linger_ms > 60000) errors.push_back("kafka.linger_ms must be in [0, 60000]");
  if (batch_bytes < 1024) errors.push_back("kafka.batch_bytes must be at least 1024");
  if (message_timeout_ms < 1000) errors.push_back("kafka.message_timeout_ms must be at least 1000");
  if (max_inflight_batches == 0 || max_inflight_batches > 100000) {
    errors.push_back("kafka.max_inflight_batches must be in [1, 100000]");
  }
  static const LazyRE2 kKeyId = {R"([A-Za-z0-9._-]{1,64})"};
  if (!RE2::FullMatch(data_key_id, *kKeyId)) errors.push_back("kafka.data_key_id must be 1-64 of [A-Za-z0-9._-]");
  for (const char* reserved : {"enable.idempotence", "acks", "enable.auto.commit", "group.id"}) {
    if (properties.count(reserved) != 0) {
      errors.push_back(absl::StrCat("kafka.properties may not set '", reserved,
                                    "': the hub's delivery guarantees depend on it"));
    }
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
}

}  // namespace accord::hub
