// The analyst's calls to the hub: follow the feed into the store (resuming
// from the stored position), backfill from the audit store's record query,
// fetch the agreements (for thresholds and dates) and the hub's metrics.
//
// Thread safety: each function is reentrant; Sync runs the Subscriber's
// thread and returns once it has stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/client/channel.h"
#include "grpcpp/channel.h"
#include "store.h"

namespace accord::analyst {

struct SyncOptions {
  // Stop after this long without a delivery. Default 3 s. InfiniteDuration
  // follows the feed until `stop` is set.
  absl::Duration idle = absl::Seconds(3);
  // Stop after this many NEW records (0 = no limit).
  uint64_t expect = 0;
  // Optional: set to true from another thread to stop.
  const std::atomic<bool>* stop = nullptr;
};

struct SyncResult {
  uint64_t delivered = 0;   // deliveries handed to the store
  uint64_t stored = 0;      // of which new (not a duplicate delivery id)
  uint64_t next_position = 0;
};

absl::StatusOr<SyncResult> Sync(std::shared_ptr<grpc::Channel> channel,
                                const client::ChannelOptions& channel_options, AnalystStore& store,
                                const SyncOptions& options);

// Reads every record of `datasets` this caller may see from
// AuditService.QueryRecords into the store. Returns the number of new records.
absl::StatusOr<uint64_t> Backfill(std::shared_ptr<grpc::Channel> channel,
                                  const client::ChannelOptions& channel_options, AnalystStore& store,
                                  const std::vector<std::string>& datasets);

// Lists the hub's agreements and stores each one's full info (document included).
absl::StatusOr<int> FetchAgreements(std::shared_ptr<grpc::Channel> channel,
                                    const client::ChannelOptions& channel_options, AnalystStore& store);

// GET http://HOST:PORT/metrics (Prometheus text). `address` is "HOST:PORT".
absl::StatusOr<std::string> FetchMetrics(const std::string& address);

}  // namespace accord::analyst
