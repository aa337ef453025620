// CSV parse + map throughput on one core (issue 6 target: >= 150,000 rows/s
// of parse plus publish). Reads a police incident export shaped like
// deploy/sample/police_incidents.csv (12 columns, local times, a quoted
// narrative; some rows span lines) through OpenSource + MapRow, and also
// serializes each record (what the Publisher puts on the wire).
//
//   build-connect/connectors/connect/connect_csv_bench --benchmark_repetitions=5
#include <cstdio>
#include <fstream>

#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "mapping.h"
#include "row_source.h"

namespace accord::connect {
namespace {

constexpr char kMapping[] = R"yaml(
provider: herts-police
dataset: recorded_crime
dataset_version: 2
source: {format: csv}
record_id: {column: "Incident Ref"}
event_time: occurred_at
fields:
  - {field: crime_reference, column: "Crime Ref"}
  - {field: offence_category, column: Offence,
     values: {"Robbery": robbery, "Violence with injury": violence_with_injury}}
  - {field: occurred_at, column: "Occurred (local)", type: datetime,
     format: "dd/mm/yyyy HH:MM", timezone: Europe/London}
  - {field: location, type: geo, lat: Lat, lon: Long}
  - {field: location_postcode, column: Postcode}
  - {field: victim_name, column: "Victim Name"}
  - {field: victim_date_of_birth, column: "Victim DOB", type: date, format: dd/mm/yyyy}
  - {field: narrative, column: Narrative}
  - {field: vehicle_registration, column: "Vehicle Reg", case: upper}
  - {field: domestic_flag, column: "DA Flag", type: boolean, true: [Y], false: [N]}
)yaml";

constexpr int kRows = 100000;

const std::string& SampleFile() {
  static const std::string path = [] {
    std::string p = "/tmp/connect_csv_bench.csv";
    std::ofstream out(p, std::ios::binary);
    out << "\xEF\xBB\xBFIncident Ref,Crime Ref,Offence,Occurred (local),Lat,Long,Postcode,"
           "Victim Name,Victim DOB,Narrative,Vehicle Reg,DA Flag\r\n";
    for (int i = 0; i < kRows; ++i) {
      out << absl::StrFormat(
          "CR-%06d,41/%06d/26,%s,%02d/%02d/2026 %02d:%02d,51.75%04d,-0.33%04d,AL1 3XY,"
          "Zo\xC3\xAB Clarke,02/06/1966,\"Victim CLARKE, Zo\xC3\xAB (DOB 02/06/1966) assaulted "
          "outside The Crown, George Street by two males.%sVictim called from 07700 900117. "
          "Suspects left in vehicle PU13 ARD.\",YP53 SES,%s\r\n",
          i, i, i % 2 ? "Robbery" : "Violence with injury", 1 + i % 28, 1 + i % 12, i % 24,
          i % 60, i % 9999, i % 7777, i % 7 == 3 ? "\n" : " ", i % 3 ? "N" : "Y");
    }
    return p;
  }();
  return path;
}

void BM_CsvParseAndMap(benchmark::State& state) {
  auto mapping = ParseMapping(kMapping, "bench.yaml");
  if (!mapping.ok()) {
    state.SkipWithError("bad mapping");
    return;
  }
  const std::string& path = SampleFile();
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
