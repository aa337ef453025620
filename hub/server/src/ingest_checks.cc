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
  return IngestChecker(policy, now, deadlines).Check(record);
}

const IngestChecker::Triple& IngestChecker::For(const v1::Record& record) {
  auto same = [&record](const Triple& t) {
    return t.version == record.dataset_version() && t.dataset == record.dataset() && t.provider == record.provider();
  };
  if (last_ < triples_.size() && same(triples_[last_])) return triples_[last_];
  for (size_t i = 0; i < triples_.size(); ++i) {
    if (same(triples_[i])) {
      last_ = i;
      return triples_[i];
    }
  }
  // A batch of many triples (it is allowed) works out the others per record.
  Triple& t = triples_.size() < kMaxTriples ? triples_.emplace_back() : (triples_.back() = Triple());
  last_ = triples_.size() - 1;
  t.provider = record.provider();
  t.dataset = record.dataset();
  t.version = record.dataset_version();
  const absl::TimeZone utc = absl::UTCTimeZone();
  for (const policy::CompiledFlow* flow : policy_.FlowsFor(t.provider, t.dataset)) {
    if (flow->dataset->version != t.version) continue;
    const policy::CompiledAgreement& agreement = *flow->agreement;
    if (auto it = deadlines_.find(agreement.fingerprint()); it != deadlines_.end() && it->second <= now_) {
      continue;  // expired or withdrawn at this instant
    }
    t.in_force = true;
    const uint32_t days = agreement.agreement().retention_days;
    if (days == 0) continue;
    // RecordStore erases a month once its end is `days` or more before now:
    // month_end(event) + days <= now, i.e. month_end(event) <= cutoff. The
    // months whose end is at or before `cutoff` are exactly those before the
    // month holding `cutoff`, so an event is past retention exactly when it
    // is before that month's start.
    const absl::Time cutoff = now_ - absl::Hours(24) * days;
    t.retention.push_back({absl::FromCivil(absl::ToCivilMonth(cutoff, utc), utc), &agreement});
  }
  return t;
}

policy::Rejection IngestChecker::Check(const v1::Record& record) {
  const absl::Time event = absl::FromUnixSeconds(record.event_time().seconds());
  if (event > now_ + kMaxEventTimeSkew) {
    return Reject(v1::REJECT_TIME_OUT_OF_RANGE, "event_time",
                  absl::StrCat("event_time is in the future (the hub allows ", absl::FormatDuration(kMaxEventTimeSkew),
                               " of clock skew); check the source system's clock"));
  }
  const Triple& t = For(record);
  for (const Retention& r : t.retention) {
    if (event < r.keeps_from) {
      return Reject(v1::REJECT_PAST_RETENTION, "event_time",
                    absl::StrCat("the event's month is past agreement '", r.agreement->agreement().id,
                                 "''s retention of ", r.agreement->agreement().retention_days,
                                 " days, so the record would be erased at once; check event_time"));
    }
  }
  if (!t.in_force) {
    return Reject(v1::REJECT_NO_AGREEMENT, "",
                  absl::StrCat("no agreement in force lets '", record.provider(), "' share dataset '",
                               record.dataset(), "': it has expired or been withdrawn"));
  }
  return {};
}

}  // namespace accord::hub
