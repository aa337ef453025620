// CSV parse + map throughput on one core (issue 6 target: >= 150,000 rows/s
// of parse plus publish). Reads a police incident export shaped like
// deploy/sample/police_incidents.csv (12 columns, local times, a quoted
// narrative; some rows span lines) through OpenSource + MapRow, and also
// serializes each record (what the Publisher puts on the wire).
//
//   build-connect/connectors/connect/connect_csv_bench --benchmark_repetitions=5
#include "benchmark/benchmark.h"
#include "bench_data.h"
#include "mapping.h"
#include "row_source.h"

namespace accord::connect {
namespace {

void BM_CsvParseAndMap(benchmark::State& state) {
  auto mapping = ParseMapping(bench::kMapping, "bench.yaml");
  if (!mapping.ok()) {
    state.SkipWithError("bad mapping");
    return;
  }
  const std::string& path = bench::SampleCsv();
  int64_t rows = 0, bytes = 0;
  for (auto _ : state) {
    auto source = OpenSource(path, &*mapping, 0, 1);
    if (!source.ok()) {
      state.SkipWithError("cannot open");
      return;
    }
    SourceRow row;
    v1::Record record;
    std::string wire;
    int64_t bad = 0;
    while (*(*source)->Next(&row)) {
      if (!row.error.empty() || !MapRow(*mapping, row.cells, &record).ok()) {
        ++bad;
        continue;
      }
      record.SerializeToString(&wire);
      ++rows;
    }
    bytes += static_cast<int64_t>((*source)->size_hint());
    if (bad != 0) state.SkipWithError("rows failed to map");
  }
  state.SetItemsProcessed(rows);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_CsvParseAndMap)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace accord::connect

BENCHMARK_MAIN();
