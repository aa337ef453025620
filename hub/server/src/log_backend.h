// Which log carries records between Publish and the policy stage
// (config `log_backend`): parsed once, then switched on, instead of string
// compares and null checks spread over the hub.
//   kEmbedded  RocksDbIngestLog in the hub's DB; this process applies the
//              flows and commits (PolicyStage::Start).
//   kKafka     Kafka topics shared by several hub processes; each applies
//              the flows to its share and every process commits the shared
//              journal (KafkaJournal, the policy stage's OutcomeSink).
#pragma once

#include <string_view>

#include "absl/status/statusor.h"

namespace accord::hub {

enum class LogBackend { kEmbedded, kKafka };

// "embedded" or "kafka"; InvalidArgument naming the value otherwise.
absl::StatusOr<LogBackend> ParseLogBackend(std::string_view name);
std::string_view LogBackendName(LogBackend backend);

}  // namespace accord::hub
