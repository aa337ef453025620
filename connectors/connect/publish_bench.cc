// The connector's whole publish path on one core: CSV parse + map + the
// batching Publisher + gRPC, through RunSource and the Deliverer, to an
// in-process stub IngestService that acknowledges every record at once (so
// the connector, not a hub's durable log, is what is measured). Plaintext
// loopback (insecure-dev): TLS record encryption is not included.
//
// Real time is the figure (the Publisher's sender and reader threads work
// alongside the reading thread); run it pinned to one core so that all of
// them, and the stub, share it:
//
//   taskset -c 1 build-connect/connectors/connect/connect_publish_bench \
//     --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <fstream>

#include "absl/strings/str_cat.h"

#include "absl/strings/str_format.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "benchmark/benchmark.h"
#include "dead_letter.h"
#include "delivery.h"
#include "grpcpp/grpcpp.h"
#include "progress.h"
#include "source_runner.h"

namespace accord::connect {
namespace {

class StubIngest final : public v1::IngestService::Service {
  grpc::Status Publish(grpc::ServerContext*,
                       grpc::ServerReaderWriter<v1::PublishResponse, v1::PublishRequest>* stream) override {
    v1::PublishRequest request;
    v1::PublishResponse response;
    while (stream->Read(&request)) {
      response.Clear();
      response.set_sequence(request.sequence());
      for (int i = 0; i < request.records_size(); ++i) {
        response.add_outcomes()->set_status(v1::RecordOutcome::ACCEPTED);
      }
      if (!stream->Write(response)) break;
    }
    return grpc::Status::OK;
  }
};

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

std::string SampleFile() {
  std::string p = "/tmp/connect_publish_bench.csv";
  std::ofstream out(p, std::ios::binary);
  out << "Incident Ref,Crime Ref,Offence,Occurred (local),Lat,Long,Postcode,"
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
}

void BM_CsvToStubHub(benchmark::State& state) {
  StubIngest service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(64 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto mapping = ParseMapping(kMapping, "bench.yaml");
  if (!server || !mapping.ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  const std::string path = SampleFile();
  int64_t rows = 0;
  for (auto _ : state) {
    DeliveryOptions o;
    o.channel.target = absl::StrCat("127.0.0.1:", port);
    o.channel.insecure_dev = true;
    o.channel.agency = "herts-police";
    o.publisher.batch_records = static_cast<size_t>(state.range(0));
    DeadLetter dead("/dev/null");
    Deliverer deliverer(o, &dead);
    Progress progress(Progress::Mode::kNone);
    RunOptions run;
    run.mapping = &*mapping;
    run.use_checkpoint = false;
    absl::Status s = RunSource(path, run, &deliverer, &progress);
    if (s.ok()) s = deliverer.Close();
    if (!s.ok() || deliverer.stats().accepted != kRows) {
      state.SkipWithError("publish failed");
      break;
    }
    rows += kRows;
  }
  state.SetItemsProcessed(rows);
  server->Shutdown();
}
BENCHMARK(BM_CsvToStubHub)->Arg(500)->Arg(1000)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

}  // namespace
}  // namespace accord::connect

BENCHMARK_MAIN();
