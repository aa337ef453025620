// Keeps the hub's counters (rejections, acceptances, disclosures) across
// restarts, in the meta column family of the hub's RocksDB under
// kMetricsKey, as HubMetrics::SaveCounters() writes them. The hub saves them
// every 10 s (without fsync: a crash loses at most those seconds' counts; a
// power cut what the WAL had not synced) and at shutdown (fsync'd), and
// restores them at start.
//
// Threading: as HubDb (thread-safe).
#pragma once

#include "absl/status/status.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/meta_keys.h"
#include "accord/hub/server/metrics.h"

namespace accord::hub {

inline constexpr const auto& kMetricsKey = meta_keys::kMetricsCounters;

// Adds the saved counts to `metrics`. OK when none are saved; InvalidArgument
// (nothing added) when the saved document is damaged.
absl::Status RestoreMetrics(const HubDb& db, HubMetrics* metrics);

absl::Status SaveMetrics(const HubDb& db, const HubMetrics& metrics, bool sync);

}  // namespace accord::hub
