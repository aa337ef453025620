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
#include <vector>

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

// CheckAtIngest() for the records of one batch, all at one instant: what
// depends only on a record's (provider, dataset, dataset_version) and `now`
// (the applicable agreements still in force, and for each the earliest event
// time its retention still keeps) is worked out once per such triple, and a
// record costs a lookup of its triple and two time comparisons. Same results
// and messages as CheckAtIngest().
//
// Thread safety: one thread (a batch's); borrows `policy` and `deadlines`,
// which must outlive it.
class IngestChecker {
 public:
  IngestChecker(const policy::PolicySet& policy, absl::Time now,
                const absl::flat_hash_map<std::string, absl::Time>& deadlines)
      : policy_(policy), now_(now), deadlines_(deadlines) {}

  policy::Rejection Check(const v1::Record& record);

 private:
  // An agreement in force with a retention, and the earliest event time it
  // keeps: an event before `keeps_from` is in a month already past it.
  struct Retention {
    absl::Time keeps_from;
    const policy::CompiledAgreement* agreement;
  };
  struct Triple {
    std::string provider;
    std::string dataset;
    uint32_t version = 0;
    bool in_force = false;
    std::vector<Retention> retention;  // in FlowsFor() order
  };
  const Triple& For(const v1::Record& record);

  const policy::PolicySet& policy_;
  const absl::Time now_;
  const absl::flat_hash_map<std::string, absl::Time>& deadlines_;
  // A batch seldom has more than one; at most kMaxTriples, the last one
  // replaced by each new triple beyond.
  static constexpr size_t kMaxTriples = 8;
  std::vector<Triple> triples_;
  size_t last_ = 0;
};

}  // namespace accord::hub
