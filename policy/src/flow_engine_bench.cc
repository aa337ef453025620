// Benchmarks of the policy hot path.
//
//   BM_ProcessTypicalRecord   validate + apply one flow to a 16-field record
//                             (4 pseudonymised, 3 generalised, 300-char narrative
//                             redacted, the rest kept or dropped). Target >= 150k/s.
//   BM_FlowLookup/N           FlowsFor(provider, dataset) with N active agreements.
//                             Target: O(1), flat in N up to 1000.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/flow_engine.h"
#include "benchmark/benchmark.h"
#include "flow_test_data.h"

namespace accord::policy {
namespace {

std::shared_ptr<const Agreement> Parse(const std::string& yaml) {
  auto r = ParseAgreement(yaml, "bench.yaml");
  if (!r.ok()) std::abort();
  return std::make_shared<const Agreement>(std::move(*r.agreement));
}

void BM_ProcessTypicalRecord(benchmark::State& state) {
  auto a = Parse(testdata::LinkageAgreementYaml());
  auto set = PolicySet::Build({ActiveAgreement{a, Fingerprint(*a), std::string(32, 'k')}});
  auto redactor = Redactor::Create();
  if (!set.ok() || !redactor.ok()) std::abort();
  FlowEngine engine(std::shared_ptr<const Redactor>(std::move(redactor).value()));
  engine.SetPolicy(*set);
  std::vector<v1::Record> records;
  for (int i = 0; i < 64; ++i) records.push_back(testdata::TypicalRecord("herts-police", i));
  RecordLimits limits;
  ProcessResult result;
  size_t i = 0;
  for (auto _ : state) {
    const v1::Record& r = records[i++ & 63];
    engine.Recycle(&result);
    engine.Process(r, r.ByteSizeLong(), limits, &result);
    if (!result.rejection.ok() || result.outputs.size() != 1) std::abort();
    benchmark::DoNotOptimize(result.outputs.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProcessTypicalRecord);

void BM_FlowLookup(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::string base = testdata::LinkageAgreementYaml("isa-0");
  std::vector<ActiveAgreement> active;
  std::vector<std::string> providers;
  for (int i = 0; i < n; ++i) {
    // Each agreement has its own providers, so every (provider, dataset) key is distinct.
    std::string yaml = absl::StrReplaceAll(
        base, {{"isa-0", absl::StrCat("isa-", i)},
               {"herts-police", absl::StrCat("police-", i)},
               {"nhs-lister-ae", absl::StrCat("ae-", i)}});
    auto a = Parse(yaml);
    active.push_back(ActiveAgreement{a, Fingerprint(*a), std::string(32, 'k')});
    providers.push_back(absl::StrCat("police-", i));
  }
  auto set = PolicySet::Build(std::move(active));
  if (!set.ok()) std::abort();
  size_t i = 0;
  for (auto _ : state) {
    auto flows = (*set)->FlowsFor(providers[i++ % providers.size()], "incident");
    if (flows.size() != 1) std::abort();
    benchmark::DoNotOptimize(flows.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FlowLookup)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

}  // namespace
}  // namespace accord::policy

BENCHMARK_MAIN();
