// The checks of a record at Publish that need the hub's clock, so that
// nothing is ACCEPTED that the hub would then lose:
//   - an event_time more than a day in the future (REJECT_TIME_OUT_OF_RANGE,
//     field "event_time");
//   - an event month already past an applicable agreement's retention_days
//     (RecordStore erases a month once its last day is more than
//     retention_days ago, so the record would be erased at once):
//     REJECT_PAST_RETENTION, field "event_time";
//   - an agreement whose deadline (end of valid_until, or a withdrawal's
//     effective time) is at or before `now` covers nothing, from that very
//     instant, although PolicySet still lists it until the next Refresh():
//     REJECT_NO_AGREEMENT when no applicable agreement is left.
// Run after FlowEngine::Validate() accepted the record. Messages never
// contain a value.
//
// Thread safety: a pure function.
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "accord/policy/flow_engine.h"
#include "accord/policy/policy_set.h"

namespace accord::hub {

// How far ahead of the hub's clock an event_time may be (provider systems'
// clocks differ).
inline constexpr absl::Duration kMaxEventTimeSkew = absl::Hours(24);

// `deadlines`: agreement fingerprint -> when it stops being in force
// (AgreementRegistry::deadlines()); an agreement absent from it has none.
policy::Rejection CheckAtIngest(const policy::PolicySet& policy, const v1::Record& record, absl::Time now,
                                const absl::flat_hash_map<std::string, absl::Time>& deadlines);

}  // namespace accord::hub
