// What the analyst needs from its agreements: each one's small-number
// threshold, the fields each dataset's flows send to this recipient, and how
// precise the event times of each dataset are (the flow's `event_time`).
// Read from the signed documents the hub returns (AgreementService.Get).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "accord/v1/agreement_service.pb.h"

namespace accord::analyst {

// Used for an agreement whose document is unavailable or states none: the
// police agreement's 10, the largest in the examples (conservative).
inline constexpr int64_t kDefaultThreshold = 10;

// How precise a dataset's event times are: the flow's `event_time`
// generalisation ("hour", "day", "week" or "month"; the coarsest where
// several flows send the dataset to this recipient), and the agreement that
// says so.
struct TimePrecision {
  std::string unit;
  std::string agreement;
};

struct AgreementTerms {
  std::map<std::string, int64_t> threshold;  // agreement id -> small_number_threshold
  std::map<std::string, std::set<std::string>> fields_by_dataset;
  // Dataset -> precision of its event times. A dataset absent here has no
  // readable agreement: its precision is unknown.
  std::map<std::string, TimePrecision> event_time_by_dataset;
  // Agreements `recipient` is a party to (all parsed ones if no recipient).
  std::set<std::string> party_to;
  // Threshold for `agreement_id`: the agreement's own small_number_threshold,
  // 0 included (no suppression; counts are still perturbed, cell_key.h);
  // kDefaultThreshold only when the agreement's document is unknown.
  int64_t ThresholdFor(const std::string& agreement_id) const;
};

// Documents that fail to parse are skipped (their threshold stays the default).
AgreementTerms ReadAgreementTerms(const std::vector<v1::AgreementInfo>& agreements,
                                  const std::string& recipient);

}  // namespace accord::analyst
