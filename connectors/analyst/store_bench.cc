// Cost of storing one delivery (de-duplication lookup + WriteBatch of the
// record and the next position), the analyst's per-record work on sync.
//   build-analyst/connectors/analyst/analyst_store_bench --benchmark_repetitions=5
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "benchmark/benchmark.h"
#include "store.h"

namespace accord::analyst {
namespace {

// state.range(0) deliveries per WriteBatch (1 = AddDelivery).
void BM_AddDelivery(benchmark::State& state) {
  auto dir = std::filesystem::temp_directory_path() / ("analyst_store_bench_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto store = AnalystStore::Open(dir.string());
  if (!store.ok()) {
    state.SkipWithError("cannot open the store");
    return;
  }
  v1::Delivery d;
  auto* r = d.mutable_record();
  r->set_agreement_id("isa-herts-police-crime");
  r->set_dataset("recorded_crime");
  for (const char* name : {"offence_category", "occurred_at", "location", "location_postcode", "victim_name",
                           "victim_date_of_birth", "narrative"}) {
    auto* f = r->add_fields();
    f->set_name(name);
    f->mutable_value()->set_text("pz1_0123456789abcdef0123456789abcdef");
  }
  uint64_t position = 0;
  const int64_t batch_size = state.range(0);
  std::vector<v1::Delivery> batch(batch_size, d);
  for (auto _ : state) {
    for (auto& b : batch) {
      b.set_position(++position);
      b.mutable_record()->set_delivery_id("d1_" + std::to_string(position));
    }
    if (batch_size == 1) {
      auto added = (*store)->AddDelivery(batch[0], absl::Now());
      benchmark::DoNotOptimize(added);
    } else {
      auto added = (*store)->AddDeliveries(batch, absl::Now());
      benchmark::DoNotOptimize(added);
    }
  }
  state.SetItemsProcessed(state.iterations() * batch_size);
  store->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AddDelivery)->Arg(1)->Arg(500);

}  // namespace
}  // namespace accord::analyst

BENCHMARK_MAIN();
