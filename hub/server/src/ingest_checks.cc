#include "ingest_checks.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace accord::hub {
namespace {

policy::Rejection Reject(v1::RejectReason reason, std::string field, std::string message) {
  return policy::Rejection{reason, std::move(field), std::move(message)};
}

}  // namespace

policy::Rejection CheckAtIngest(const policy::PolicySet& policy, const v1::Record& record, absl::Time now,
                                const absl::flat_hash_map<std::string, absl::Time>& deadlines) {
  const absl::Time event = absl::FromUnixSeconds(record.event_time().seconds());
  if (event > now + kMaxEventTimeSkew) {
    return Reject(v1::REJECT_TIME_OUT_OF_RANGE, "event_time",
                  absl::StrCat("event_time is in the future (the hub allows ", absl::FormatDuration(kMaxEventTimeSkew),
                               " of clock skew); check the source system's clock"));
  }
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time month_end = absl::FromCivil(absl::ToCivilMonth(event, utc) + 1, utc);
  bool in_force = false;
  for (const policy::CompiledFlow* flow : policy.FlowsFor(record.provider(), record.dataset())) {
    if (flow->dataset->version != record.dataset_version()) continue;
    const policy::CompiledAgreement& agreement = *flow->agreement;
    if (auto it = deadlines.find(agreement.fingerprint()); it != deadlines.end() && it->second <= now) {
      continue;  // expired or withdrawn at this instant
    }
    in_force = true;
    const uint32_t days = agreement.agreement().retention_days;
    if (days > 0 && month_end + absl::Hours(24) * days <= now) {
      return Reject(v1::REJECT_PAST_RETENTION, "event_time",
                    absl::StrCat("the event's month is past agreement '", agreement.agreement().id,
                                 "''s retention of ", days,
                                 " days, so the record would be erased at once; check event_time"));
    }
  }
  if (!in_force) {
    return Reject(v1::REJECT_NO_AGREEMENT, "",
                  absl::StrCat("no agreement in force lets '", record.provider(), "' share dataset '",
                               record.dataset(), "': it has expired or been withdrawn"));
  }
  return {};
}

}  // namespace accord::hub
