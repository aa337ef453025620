// How long the live figures take to publish (audit + disclosure control) for
// a quarter-like volume of police records spread over grid cells, and for a
// year of them.
//   build-analyst/connectors/analyst/analyst_publish_bench --benchmark_repetitions=5
#include <random>

#include "absl/time/civil_time.h"
#include "benchmark/benchmark.h"
#include "publish.h"

namespace accord::analyst {
namespace {

PublishInput MakeInput(int records, int cells_per_side, int days = 90) {
  PublishInput in;
  in.terms.threshold["isa-crime"] = 10;
  in.as_of = absl::FromCivil(absl::CivilDay(2026, 12, 31), absl::UTCTimeZone());
  std::mt19937 rng(1);
  static const char* kCategories[] = {"robbery", "theft", "burglary_residential", "criminal_damage",
                                      "violence_with_injury", "violence_without_injury", "shoplifting", "drugs"};
  for (int i = 0; i < records; ++i) {
    Fact f;
    f.agreement_id = "isa-crime";
    f.provider = "herts-police";
    f.dataset = "recorded_crime";
    f.event_time = absl::FromCivil(absl::CivilDay(2026, 10, 1), absl::UTCTimeZone()) + absl::Hours(rng() % (24 * days));
    f.category = kCategories[rng() % 8];
    // Skewed towards a few hot cells.
    int e = static_cast<int>(rng() % cells_per_side), n = static_cast<int>(rng() % cells_per_side);
    if (rng() % 2) e = n = static_cast<int>(rng() % 3);
    f.area = "BNG250:" + std::to_string(514000 + e * 250) + ":" + std::to_string(207000 + n * 250);
    f.victim = "isa-crime|v" + std::to_string(rng() % (records / 2 + 1));
    f.fields_present = {"offence_category", "location"};
    in.facts.push_back(std::move(f));
  }
  return in;
}

void BM_PublishFigures(benchmark::State& state) {
  PublishInput in = MakeInput(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  for (auto _ : state) benchmark::DoNotOptimize(PublishFigures(in));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PublishFigures)->Args({1000, 6})->Args({10000, 10})->Unit(benchmark::kMillisecond);

// A year of records (weeks, months and quarters all linked in one system).
void BM_PublishFiguresYear(benchmark::State& state) {
  PublishInput in = MakeInput(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), 365);
  in.as_of = absl::FromCivil(absl::CivilDay(2027, 10, 1), absl::UTCTimeZone());
  for (auto _ : state) benchmark::DoNotOptimize(PublishFigures(in));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PublishFiguresYear)->Args({40000, 10})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace accord::analyst

BENCHMARK_MAIN();
