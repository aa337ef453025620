#include "quarantine_query.h"

#include <algorithm>
#include <functional>

#include "google/protobuf/util/time_util.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

void ToTimestamp(absl::Time t, google::protobuf::Timestamp* ts) {
  *ts = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

// Visits `provider`'s kept records, oldest first, each once (a record kept
// twice: its first copy, with every copy's key in `copies`). Other
// providers' records and copies that do not open are skipped unread.
using Visit = std::function<void(const RocksDbIngestLog::KeptRecord& kept, const v1::Record& record)>;
absl::Status ScanCaller(const RocksDbIngestLog& log, const std::string& provider, const Visit& visit,
                        absl::flat_hash_map<uint64_t, std::vector<std::string>>* copies = nullptr) {
  uint64_t scanned = 0;
  uint64_t unreadable = 0;
  absl::flat_hash_set<uint64_t> seen;
  v1::Record record;
  absl::Status status = log.ForEachKept([&](RocksDbIngestLog::KeptRecord& kept) {
    if (++scanned > kMaxKeptScanned) return false;
    if (!kept.opened || !record.ParseFromString(kept.record)) {
      ++unreadable;  // its provider is unknown: nobody's to list
      return true;
    }
    if (record.provider() != provider) return true;
    const bool first = seen.insert(kept.offset).second;
    if (copies != nullptr) (*copies)[kept.offset].push_back(kept.key);
    if (first) visit(kept, record);
    return true;
  });
  if (!status.ok()) return status;
  if (scanned > kMaxKeptScanned) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the hub keeps more than ", kMaxKeptScanned,
        " quarantined records in all, more than one call may look through; ask the hub's operator to "
        "shorten quarantine_retention_days or to have the agreements fixed and the records replayed"));
  }
  if (unreadable > 0) {
    spdlog::warn("quarantine: {} kept records do not open or parse; they cannot be listed or replayed",
                 unreadable);
  }
  return absl::OkStatus();
}

}  // namespace

std::string KeptHandle(uint64_t at_ms, uint64_t offset) { return absl::StrCat(at_ms, "-", offset); }

absl::StatusOr<std::string> KeptKeyFromHandle(const std::string& handle) {
  std::vector<absl::string_view> parts = absl::StrSplit(handle, '-');
  auto digits = [](absl::string_view p) {
    return !p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return absl::ascii_isdigit(c); });
  };
  uint64_t at_ms = 0, offset = 0;
  if (handle.size() > 41 || parts.size() != 2 || !digits(parts[0]) || !digits(parts[1]) ||
      !absl::SimpleAtoi(parts[0], &at_ms) ||
      !absl::SimpleAtoi(parts[1], &offset) || offset == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", handle.substr(0, 41),
        "' is not a quarantine handle; use the handles `accordctl quarantine list` shows"));
  }
  return RocksDbIngestLog::KeptKeyOf(at_ms, offset);
}

absl::StatusOr<uint32_t> ListLimit(const v1::ListQuarantinedRequest& req) {
  if (req.limit() > kMaxListLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit is at most ", kMaxListLimit, " records a page; ask for the next page with after_handle"));
  }
  return req.limit() == 0 ? kDefaultListLimit : req.limit();
}

absl::StatusOr<v1::ListQuarantinedResponse> ListKept(const RocksDbIngestLog& log, const std::string& provider,
                                                     const v1::ListQuarantinedRequest& req) {
  auto page = ListLimit(req);
  if (!page.ok()) return page.status();
  const uint32_t limit = *page;
  std::string after;
  if (!req.after_handle().empty()) {
    auto key = KeptKeyFromHandle(req.after_handle());
    if (!key.ok()) return key.status();
    after = *std::move(key);
  }
  v1::ListQuarantinedResponse resp;
  uint64_t total = 0;
  auto s = ScanCaller(log, provider, [&](const RocksDbIngestLog::KeptRecord& kept, const v1::Record& record) {
    ++total;
    if (kept.key <= after || static_cast<uint32_t>(resp.records_size()) >= limit) return;
    v1::QuarantinedRecord* out = resp.add_records();
    uint64_t at_ms = 0, offset = 0;
    RocksDbIngestLog::DecodeKeptKey(kept.key, &at_ms, &offset).IgnoreError();  // ForEachKept decoded it
    out->set_handle(KeptHandle(at_ms, offset));
    out->set_record_id(record.record_id());
    out->set_dataset(record.dataset());
    ToTimestamp(kept.quarantined_at, out->mutable_quarantined_at());
    if (record.has_event_time()) *out->mutable_event_time() = record.event_time();
  });
  if (!s.ok()) return s;
  resp.set_total(total);
  for (v1::QuarantinedRecord& r : *resp.mutable_records()) {
    uint64_t at_ms = 0, offset = 0;
    auto key = KeptKeyFromHandle(r.handle());
    if (!key.ok() || !RocksDbIngestLog::DecodeKeptKey(*key, &at_ms, &offset).ok()) continue;
    auto reason = log.KeptReason(offset);
    if (reason.ok()) {
      r.set_reason(*std::move(reason));
    } else if (absl::IsNotFound(reason.status())) {
      // Kept, but its batch's outcome is not committed yet (it is, within a moment).
      r.set_reason("quarantined; the reason is being recorded, list again in a moment");
    } else {
      return reason.status();
    }
  }
  auto ever = log.QuarantinedEver(provider);
  if (!ever.ok()) return ever.status();
  resp.set_quarantined_ever(std::max(*ever, total));
  return resp;
}

absl::StatusOr<ReplayPlan> PlanReplay(const RocksDbIngestLog& log, const std::string& provider,
                                      const v1::ReplayQuarantinedRequest& req) {
  if (static_cast<size_t>(req.handles_size()) > kMaxReplayPerCall) {
    return absl::InvalidArgumentError(
        absl::StrCat("name at most ", kMaxReplayPerCall, " handles a call (or none, to replay all)"));
  }
  // Wanted kept keys -> the handle asked for.
  absl::flat_hash_map<std::string, std::string> wanted;
  for (const std::string& handle : req.handles()) {
    auto key = KeptKeyFromHandle(handle);
    if (!key.ok()) return key.status();
    wanted.emplace(*std::move(key), handle);
  }
  const bool all = wanted.empty();
  ReplayPlan plan;
  absl::flat_hash_map<uint64_t, std::vector<std::string>> copies;
  std::vector<uint64_t> offsets;
  auto s = ScanCaller(
      log, provider,
      [&](const RocksDbIngestLog::KeptRecord& kept, const v1::Record& record) {
        if (!all && !wanted.contains(kept.key)) return;
        if (plan.batch.records.size() >= kMaxReplayPerCall) {
          ++plan.left_for_next_call;
          return;
        }
        if (!all) wanted.erase(kept.key);
        uint64_t at_ms = 0, offset = 0;
        RocksDbIngestLog::DecodeKeptKey(kept.key, &at_ms, &offset).IgnoreError();
        plan.batch.records.push_back(record);
        plan.batch.serialized.push_back(kept.record);
        plan.handles.push_back(KeptHandle(at_ms, offset));
        offsets.push_back(offset);
      },
      &copies);
  if (!s.ok()) return s;
  for (uint64_t offset : offsets) {
    IngestLog::Batch::ReplayOf& of = plan.batch.replays.emplace_back();
    of.offset = offset;
    of.kept_keys = std::move(copies[offset]);
  }
  // What is left of `wanted` is not kept for this provider (or a later copy).
  for (const auto& [key, handle] : wanted) plan.not_found.push_back(handle);
  std::sort(plan.not_found.begin(), plan.not_found.end());
  return plan;
}

}  // namespace accord::hub
