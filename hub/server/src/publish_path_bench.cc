// The Publish path's work on a gRPC thread, without gRPC: a PublishRequest of
// 500 accord-loadgen records (connectors/loadgen/records.h: the "incident"
// dataset of deploy/loadgen/agreement.yaml, 16 fields) decoded and checked
// as PublishReactor::HandleRequestLocked does.
//
//   BM_DecodePublishRequest/pool:0  DecodePublishRequest() of the batch into
//                            a reused DecodedBatch, the records then moved
//                            into an IngestLog::Batch and, as the ingest
//                            log's consumer would, finished with (destroyed)
//   BM_DecodePublishRequest/pool:1  the same with a RecordPool, as accord-hub
//                            runs (embedded log): records parsed into cleared
//                            ones from the pool, given back at their end
//   BM_CheckRecords          FlowEngine::Validate() and the IngestChecker's
//                            Check() of each decoded record, as the reactor
//                            runs them
//
// items_per_second counts records. The figure to compare is instructions
// per record (the machine is shared; instructions do not depend on load):
//
//   valgrind --tool=callgrind --toggle-collect='accord::hub::(anonymous namespace)::Decode*'
//       server_publish_path_bench --benchmark_filter=BM_DecodePublishRequest --benchmark_min_time=0.2
//   then Decode's inclusive instructions / its calls / 500 (callgrind_annotate --inclusive=yes);
//   likewise HandOff (the hand-off and the consumer's side) and CheckRecords.
//
// Linked with jemalloc, as accord-hub is.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "accord/hub/core/ingest_log.h"
#include "accord/hub/core/record_pool.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/flow_engine.h"
#include "accord/policy/policy_set.h"
#include "accord/v1/ingest_service.pb.h"
#include "batch_decoder.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "ingest_checks.h"
#include "records.h"

namespace accord::hub {
namespace {

constexpr int kBatchRecords = 500;  // accord-loadgen's default --batch
// The slices a gRPC ByteBuffer hands the decoder are of this order.
constexpr int kSliceBytes = 16384;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "publish_path_bench: %s\n", what.c_str());
  std::abort();
}

std::shared_ptr<const policy::PolicySet> LoadgenPolicy() {
  std::ifstream in(ACCORD_LOADGEN_AGREEMENT);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = policy::ParseAgreement(text.str(), "agreement.yaml");
  if (!parsed.agreement.has_value()) Fail("the loadgen agreement does not parse");
  auto agreement = std::make_shared<const policy::Agreement>(std::move(*parsed.agreement));
  auto set = policy::PolicySet::Build(
      {policy::ActiveAgreement{agreement, policy::Fingerprint(*agreement), std::string(32, 'k')}});
  if (!set.ok()) Fail(set.status().ToString());
  return *std::move(set);
}

// One PublishRequest of kBatchRecords loadgen records, serialized.
std::string LoadgenRequest() {
  loadgen::RecordFactory factory("loadgen-police", "bench");
  v1::PublishRequest request;
  request.set_sequence(1);
  for (int i = 0; i < kBatchRecords; ++i) {
    *request.add_records() = factory.Make(static_cast<uint64_t>(i + 1), 1764000000000000 + i);
  }
  return request.SerializeAsString();
}

// Within the agreement's validity, after every record's event time.
absl::Time BenchNow() { return absl::FromCivil(absl::CivilSecond(2026, 12, 3, 12, 0, 0), absl::UTCTimeZone()); }

__attribute__((noinline)) void Decode(const std::string& request, DecodedBatch* batch, RecordPool* pool) {
  google::protobuf::io::ArrayInputStream in(request.data(), static_cast<int>(request.size()), kSliceBytes);
  if (!DecodePublishRequest(&in, batch, pool).ok()) Fail("the request does not decode");
}

// The reactor's hand-off to the ingest log, then what becomes of the records
// once the log's consumer is done with them: given to the pool (as
// RocksDbIngestLog::Poll does with one) or destroyed.
__attribute__((noinline)) void HandOff(DecodedBatch* decoded, RecordPool* pool) {
  IngestLog::Batch batch;
  batch.records.reserve(decoded->records.size());
  batch.serialized.reserve(decoded->records.size());
  for (size_t i = 0; i < decoded->records.size(); ++i) {
    batch.records.push_back(std::move(decoded->records[i]));
    batch.serialized.push_back(std::move(decoded->wire[i]));
  }
  benchmark::DoNotOptimize(batch.records.data());
  if (pool != nullptr) pool->Give(&batch.records);
}

// /pool:0 parses into fresh records, /pool:1 into records from a RecordPool
// of accord-hub's capacity that the consumer's side refills.
void BM_DecodePublishRequest(benchmark::State& state) {
  const std::string request = LoadgenRequest();
  std::unique_ptr<RecordPool> pool = state.range(0) != 0 ? std::make_unique<RecordPool>(2048) : nullptr;
  DecodedBatch batch;
  for (auto _ : state) {
    Decode(request, &batch, pool.get());
    HandOff(&batch, pool.get());
  }
  state.SetItemsProcessed(state.iterations() * kBatchRecords);
}
BENCHMARK(BM_DecodePublishRequest)->ArgName("pool")->Arg(0)->Arg(1);

__attribute__((noinline)) size_t CheckRecords(policy::FlowEngine& engine, const DecodedBatch& batch,
                                              const absl::flat_hash_map<std::string, absl::Time>& deadlines,
                                              absl::Time now) {
  policy::RecordLimits limits;
  IngestChecker checker(*engine.policy(), now, deadlines);  // one per batch, as the reactor has
  size_t accepted = 0;
  for (size_t i = 0; i < batch.records.size(); ++i) {
    policy::Rejection rej = engine.Validate(batch.records[i], batch.wire[i].size(), limits);
    if (rej.ok()) rej = checker.Check(batch.records[i]);
    if (rej.ok()) ++accepted;
  }
  return accepted;
}

void BM_CheckRecords(benchmark::State& state) {
  const std::string request = LoadgenRequest();
  DecodedBatch batch;
  Decode(request, &batch, nullptr);
  policy::FlowEngine engine(nullptr);
  engine.SetPolicy(LoadgenPolicy());
  // The loadgen agreement's deadline (end of valid_until), as the registry has it.
  absl::flat_hash_map<std::string, absl::Time> deadlines;
  deadlines[engine.policy()->agreements()[0]->fingerprint()] =
      absl::FromCivil(absl::CivilDay(2031, 1, 1), absl::UTCTimeZone());
  const absl::Time now = BenchNow();
  if (CheckRecords(engine, batch, deadlines, now) != kBatchRecords) Fail("a loadgen record is rejected");
  for (auto _ : state) {
    benchmark::DoNotOptimize(CheckRecords(engine, batch, deadlines, now));
  }
  state.SetItemsProcessed(state.iterations() * kBatchRecords);
}
BENCHMARK(BM_CheckRecords);

}  // namespace
}  // namespace accord::hub

BENCHMARK_MAIN();
