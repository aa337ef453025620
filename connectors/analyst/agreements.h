// What the analyst needs from its agreements: each one's small-number
// threshold, and the fields each dataset's flows send to this recipient.
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

struct AgreementTerms {
  std::map<std::string, int64_t> threshold;  // agreement id -> small_number_threshold
  std::map<std::string, std::set<std::string>> fields_by_dataset;
  // Threshold for `agreement_id` (kDefaultThreshold if unknown or 0).
  int64_t ThresholdFor(const std::string& agreement_id) const;
};

// Documents that fail to parse are skipped (their threshold stays the default).
AgreementTerms ReadAgreementTerms(const std::vector<v1::AgreementInfo>& agreements,
                                  const std::string& recipient);

}  // namespace accord::analyst
