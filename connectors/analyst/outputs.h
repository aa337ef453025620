// Computing and writing the analyst's outputs: figures.json, one CSV per
// table and report.html, all from one PublishFigures() result.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "store.h"

namespace accord::analyst {

struct FigureOptions {
  std::string recipient;      // this analyst's agency id (for the agreements' flows)
  absl::Time as_of = absl::Now();
  std::string hub_metrics;    // "HOST:PORT" of the hub's metrics endpoint, or empty
  std::string config_path;    // the analyst config YAML (analysis_config.h), or empty
};

// Loads the store and publishes its figures (disclosure-controlled).
// InvalidArgument if the analyst config is unreadable, malformed or names a
// field no agreement sends this analyst (every problem listed).
// Also updates the data-difficulties register in the store (register.h).
absl::StatusOr<nlohmann::json> ComputeFigures(AnalystStore& store, const FigureOptions& options);

// Writes figures.json, *.csv and report.html into `dir` (created if needed).
// FailedPrecondition (nothing written) unless the figures' attacker check
// (attack.h, run by PublishFigures) found no recoverable small count.
absl::Status WriteOutputs(const nlohmann::json& figures, const std::string& dir);

// A few lines for a terminal: records, repeat share, Cardiff share, flags.
std::string Summary(const nlohmann::json& figures);

}  // namespace accord::analyst
