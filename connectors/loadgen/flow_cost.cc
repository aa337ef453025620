#include "flow_cost.h"

#include <time.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/flow_engine.h"
#include "accord/policy/policy_set.h"
#include "accord/policy/redactor.h"
#include "records.h"

namespace accord::loadgen {
namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

absl::StatusOr<FlowCost> MeasureFlowCost(const std::string& agreement_yaml, const std::string& provider,
                                         size_t records) {
  if (records == 0) return absl::InvalidArgumentError("no records to measure");
  policy::ParseResult parsed = policy::ParseAgreement(agreement_yaml, "loadgen agreement");
  if (!parsed.agreement) return absl::InvalidArgumentError("the load test agreement does not parse");
  auto agreement = std::make_shared<const policy::Agreement>(std::move(*parsed.agreement));
  auto set = policy::PolicySet::Build(
      {policy::ActiveAgreement{agreement, policy::Fingerprint(*agreement), std::string(32, 'k')}});
  if (!set.ok()) return set.status();
  auto redactor = policy::Redactor::Create();
  if (!redactor.ok()) return redactor.status();
  policy::FlowEngine engine(std::shared_ptr<const policy::Redactor>(std::move(redactor).value()));
  engine.SetPolicy(*set);

  RecordFactory factory(provider, "flowcost");
  std::vector<v1::Record> batch(records);
  for (size_t i = 0; i < records; ++i) factory.MakeInto(i + 1, 0, &batch[i]);
  policy::RecordLimits limits;
  policy::ProcessResult result;
  // One untimed pass warms the engine's caches (pseudonymiser contexts).
  size_t outputs = 0;
  for (int pass = 0; pass < 2; ++pass) {
    outputs = 0;
    const double start = ThreadCpuSeconds();
    for (const v1::Record& r : batch) {
      engine.Recycle(&result);
      engine.Process(r, r.ByteSizeLong(), limits, &result);
      if (!result.rejection.ok()) {
        return absl::InvalidArgumentError("a load generator record is rejected by the agreement's flows");
      }
      outputs += result.outputs.size();
    }
    const double spent = ThreadCpuSeconds() - start;
    if (pass == 1) {
      return FlowCost{spent * 1e6 / static_cast<double>(records),
                      static_cast<double>(outputs) / static_cast<double>(records)};
    }
  }
  return absl::InternalError("unreachable");
}

}  // namespace accord::loadgen
