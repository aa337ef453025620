// The connector's whole publish path: CSV parse + map + the batching
// Publisher + gRPC, through RunSource and the Deliverer, to a stub
// IngestService that acknowledges every record at once (so the connector,
// not a hub's durable log, is what is measured). Plaintext loopback
// (insecure-dev): TLS record encryption is not included.
//
// BM_CsvToStubHub is the issue 6 figure: the stub runs in a child process
// (forked before this process touches gRPC, moved off the connector's
// core(s) when there is another one), so the reported CPU time, and the
// items_per_second derived from it, is the connector process's own CPU: the
// reading thread, the Publisher's sender and reader threads and gRPC's
// threads, never the stub's. Wall time is reported too.
//
// BM_CsvToStubHubSameCore is the older, harsher figure: the stub in this
// process, everything (stub included) sharing the cores it is given, and
// real time as the figure.
//
//   taskset -c 1 build-connect/connectors/connect/connect_publish_bench
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "bench_data.h"
#include "benchmark/benchmark.h"
#include "dead_letter.h"
#include "delivery.h"
#include "grpcpp/grpcpp.h"
#include "malloc_tuning.h"
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

std::unique_ptr<grpc::Server> StartStub(StubIngest* service, int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
  builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(64 << 20);
  return builder.BuildAndStart();
}

// The out-of-process stub's port (0 if it did not start).
int g_child_stub_port = 0;

// Forks the stub. The child serves until the parent's end of `lifeline`
// closes (the parent exits, however it exits), then leaves with _exit.
// Must run before this process uses gRPC. Returns the child's pid or -1.
pid_t ForkStub(int* port) {
  int ready[2], lifeline[2];
  if (::pipe(ready) != 0 || ::pipe(lifeline) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::close(ready[0]);
    ::close(lifeline[1]);
    // Off the connector's cores when there are others.
    cpu_set_t mine, other;
    CPU_ZERO(&other);
    if (::sched_getaffinity(0, sizeof(mine), &mine) == 0) {
      const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
      for (long c = 0; c < n && c < CPU_SETSIZE; ++c) {
        if (!CPU_ISSET(c, &mine)) CPU_SET(c, &other);
      }
      if (CPU_COUNT(&other) > 0) (void)::sched_setaffinity(0, sizeof(other), &other);
    }
    StubIngest service;
    int p = 0;
    std::unique_ptr<grpc::Server> server = StartStub(&service, &p);
    if (!server) p = 0;
    (void)!::write(ready[1], &p, sizeof(p));
    ::close(ready[1]);
    char c;
    while (::read(lifeline[0], &c, 1) > 0) {
    }
    if (server) server->Shutdown(std::chrono::system_clock::now());
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(lifeline[0]);  // lifeline[1] stays open until this process ends
  if (::read(ready[0], port, sizeof(*port)) != sizeof(*port)) *port = 0;
  ::close(ready[0]);
  return pid;
}

// One full run of the sample file through RunSource to the stub on `port`.
bool PublishSample(int port, size_t batch, const Mapping& mapping) {
  DeliveryOptions o;
  o.channel.target = absl::StrCat("127.0.0.1:", port);
  o.channel.insecure_dev = true;
  o.channel.agency = "herts-police";
  o.publisher.batch_records = batch;
  DeadLetter dead("/dev/null");
  Deliverer deliverer(o, &dead);
  Progress progress(Progress::Mode::kNone);
  RunOptions run;
  run.mapping = &mapping;
  run.use_checkpoint = false;
  absl::Status s = RunSource(bench::SampleCsv(), run, &deliverer, &progress);
  if (s.ok()) s = deliverer.Close();
  return s.ok() && deliverer.stats().accepted == static_cast<uint64_t>(bench::kRows);
}

void BM_CsvToStubHub(benchmark::State& state) {
  auto mapping = ParseMapping(bench::kMapping, "bench.yaml");
  if (g_child_stub_port == 0 || !mapping.ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  bench::SampleCsv();
  int64_t rows = 0;
  for (auto _ : state) {
    if (!PublishSample(g_child_stub_port, static_cast<size_t>(state.range(0)), *mapping)) {
      state.SkipWithError("publish failed");
      break;
    }
    rows += bench::kRows;
  }
  state.SetItemsProcessed(rows);
}
BENCHMARK(BM_CsvToStubHub)->Arg(500)->Arg(1000)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_CsvToStubHubSameCore(benchmark::State& state) {
  StubIngest service;
  int port = 0;
  std::unique_ptr<grpc::Server> server = StartStub(&service, &port);
  auto mapping = ParseMapping(bench::kMapping, "bench.yaml");
  if (!server || !mapping.ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  bench::SampleCsv();
  int64_t rows = 0;
  for (auto _ : state) {
    if (!PublishSample(port, static_cast<size_t>(state.range(0)), *mapping)) {
      state.SkipWithError("publish failed");
      break;
    }
    rows += bench::kRows;
  }
  state.SetItemsProcessed(rows);
  server->Shutdown();
}
BENCHMARK(BM_CsvToStubHubSameCore)
    ->Arg(500)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace
}  // namespace accord::connect

int main(int argc, char** argv) {
  // As accord-connect's main() does; the stub inherits it, which helps it ack
  // sooner (a slower stub costs the connector more wake-ups per batch).
  accord::connect::TuneMallocForPublishing();
  const pid_t stub = accord::connect::ForkStub(&accord::connect::g_child_stub_port);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (stub > 0) {
    ::kill(stub, SIGTERM);
    ::waitpid(stub, nullptr, 0);
  }
  return 0;
}
