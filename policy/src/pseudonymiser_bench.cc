// Pseudonymise throughput on one core; target >= 2,000,000 fields/s.
//   ./policy_pseudonymiser_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>
#include <vector>

#include "accord/policy/pseudonymiser.h"
#include "benchmark/benchmark.h"

namespace accord::policy {
namespace {

constexpr std::string_view kKey = "bench-linkage-key-0123456789abcdef-0123456789";

void Run(benchmark::State& state, FieldType type, const std::vector<v1::Value>& values) {
  auto p = Pseudonymiser::Create(kKey);
  if (!p.ok()) {
    state.SkipWithError("Create failed");
    return;
  }
  std::string token;
  size_t i = 0;
  for (auto _ : state) {
    absl::Status s = p->Pseudonymise(type, values[i], &token);
    if (!s.ok()) {
      state.SkipWithError("Pseudonymise failed");
      return;
    }
    benchmark::DoNotOptimize(token.data());
    if (++i == values.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

std::vector<v1::Value> Texts(std::initializer_list<const char*> texts) {
  std::vector<v1::Value> out;
  for (const char* t : texts) out.emplace_back().set_text(t);
  return out;
}

void BM_PseudonymiseNhs(benchmark::State& state) {
  static const auto* values =
      new std::vector<v1::Value>(Texts({"943 476 5919", "9434765919", "943-476-5919"}));
  Run(state, FieldType::kNhsNumber, *values);
}
BENCHMARK(BM_PseudonymiseNhs);

void BM_PseudonymiseName(benchmark::State& state) {
  static const auto* values = new std::vector<v1::Value>(
      Texts({"Mary-Jane O'Brien-Smith", "ZOË ŁUKASZ NÍ BHRIAIN", "SMITH, John Alexander"}));
  Run(state, FieldType::kName, *values);
}
BENCHMARK(BM_PseudonymiseName);

void BM_PseudonymisePostcode(benchmark::State& state) {
  static const auto* values = new std::vector<v1::Value>(Texts({"AL1 3XY", "sw1a 1aa", "B33 8TH"}));
  Run(state, FieldType::kPostcode, *values);
}
BENCHMARK(BM_PseudonymisePostcode);

void BM_RecordRef(benchmark::State& state) {
  auto p = Pseudonymiser::Create(kKey);
  std::string out;
  for (auto _ : state) {
    p->RecordRef("herts-police", "recorded-crime", "CR-2026-000123456", &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordRef);

// The floor from PERFORMANCE.md (reused keyed context, 25-byte input), measured
// in the same run so the figures above can be compared on a noisy machine.
void BM_HmacFloor(benchmark::State& state) {
  EvpMacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                         OSSL_PARAM_construct_end()};
  EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(kKey.data()), kKey.size(), params);
  const unsigned char input[25] = "nhs\x1f" "9434765919-padding-";
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  for (auto _ : state) {
    EVP_MAC_init(ctx.get(), nullptr, 0, nullptr);
    EVP_MAC_update(ctx.get(), input, sizeof(input));
    EVP_MAC_final(ctx.get(), out, &len, sizeof(out));
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HmacFloor);

}  // namespace
}  // namespace accord::policy

BENCHMARK_MAIN();
