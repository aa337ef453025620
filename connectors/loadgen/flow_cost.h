// The policy's own cost of the load generator's records: the flow engine
// (validate + every flow that takes the record) applied in this process, on
// one thread, to records made exactly as the publishers make them. Dividing
// the hub's CPU per record by it gives the hub overhead ratio (issue 17):
// how much the hub spends around the real work.
//
// Thread safety: a free function; call it from one thread.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace accord::loadgen {

struct FlowCost {
  double us_per_record = 0;     // thread CPU µs per record, all flows together
  double flows_per_record = 0;  // cleaned records produced per record
};

// Applies the flows of the agreement in `agreement_yaml` (parsed, not
// verified: it is the agreement the hub was given) to `records` records of
// `provider`. InvalidArgument if the agreement does not parse or a record is
// rejected.
absl::StatusOr<FlowCost> MeasureFlowCost(const std::string& agreement_yaml, const std::string& provider,
                                         size_t records);

}  // namespace accord::loadgen
