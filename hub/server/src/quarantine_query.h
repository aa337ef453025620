// The provider's view of its kept quarantined records (embedded log), for
// QuarantineService: a page of them with reasons, and the plan of a replay.
// absl::Status only; the service turns it into gRPC.
//
// Cost: the kept records are sealed and keyed by time, not by provider, so
// every call opens (AES-256-GCM) and parses each kept record to find the
// caller's, one at a time (memory: one record plus the answer). That is
// fine for a quarantine, which holds exceptions for at most
// `quarantine_retention_days`; the work is bounded at kMaxKeptScanned kept
// records per call (beyond: RESOURCE_EXHAUSTED, an operator matter), and a
// replay hands at most kMaxReplayPerCall records to the log per call.
//
// Handles: "<quarantined-at ms>-<offset>", the kept copy's position. A
// record kept twice (by a data directory written before copies were kept
// once) is listed once, under its oldest copy; replaying it removes all.
//
// Thread safety: stateless functions over a thread-safe RocksDbIngestLog.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "accord/hub/core/ingest_log.h"
#include "accord/hub/core/rocksdb_ingest_log.h"
#include "accord/v1/quarantine_service.pb.h"
#include "accord/v1/record.pb.h"

namespace accord::hub {

inline constexpr uint64_t kMaxKeptScanned = 1000000;
inline constexpr uint32_t kDefaultListLimit = 1000;
inline constexpr uint32_t kMaxListLimit = 10000;
inline constexpr size_t kMaxReplayPerCall = 10000;

std::string KeptHandle(uint64_t at_ms, uint64_t offset);
// The kept key a handle names; InvalidArgument (naming the handle, which is
// the hub's own opaque string, never personal) when it is not a handle.
absl::StatusOr<std::string> KeptKeyFromHandle(const std::string& handle);

// The page size a ListQuarantined request asks for (default when 0);
// InvalidArgument above kMaxListLimit. Both backends.
absl::StatusOr<uint32_t> ListLimit(const v1::ListQuarantinedRequest& req);

// ListQuarantined for `provider` (the caller's verified agency id).
absl::StatusOr<v1::ListQuarantinedResponse> ListKept(const RocksDbIngestLog& log, const std::string& provider,
                                                     const v1::ListQuarantinedRequest& req);

// What ReplayQuarantined hands to the ingest log.
struct ReplayPlan {
  IngestLog::Batch batch;            // records, serialized, replays (no `done` yet)
  std::vector<std::string> handles;  // one per record of `batch`
  std::vector<std::string> not_found;
  uint64_t left_for_next_call = 0;
};
absl::StatusOr<ReplayPlan> PlanReplay(const RocksDbIngestLog& log, const std::string& provider,
                                      const v1::ReplayQuarantinedRequest& req);

}  // namespace accord::hub
