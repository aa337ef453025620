#include "log_backend.h"

#include "absl/strings/str_cat.h"

namespace accord::hub {

absl::StatusOr<LogBackend> ParseLogBackend(std::string_view name) {
  if (name == "embedded") return LogBackend::kEmbedded;
  if (name == "kafka") return LogBackend::kKafka;
  return absl::InvalidArgumentError(
      absl::StrCat("log_backend must be 'embedded' or 'kafka', not '", std::string(name), "'"));
}

std::string_view LogBackendName(LogBackend backend) {
  switch (backend) {
    case LogBackend::kEmbedded:
      return "embedded";
    case LogBackend::kKafka:
      return "kafka";
  }
  return "unknown";
}

}  // namespace accord::hub
