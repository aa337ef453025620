// The embedded hub's policy stage alone, without gRPC or a load generator on
// the same cores: the loadgen's records (deploy/loadgen/agreement.yaml: 16
// fields, two depersonalised flows each) are stored in the RocksDB ingest log
// first, then the stage applies the flows and commits feeds, audit store and
// ledger in fsync'd WriteBatches, as accord-hub does. No subscriber is
// attached, so feed fan-out is not counted.
//
//   BM_EmbeddedPolicyStage   records/s (items_per_second) from the first poll
//                            to the last commit of 20,000 records
//
// Run:  loadgen_policy_stage_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Data lives in a temp dir under /tmp, removed at exit.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "accord/hub/core/feed_notifier.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/policy_stage.h"
#include "accord/hub/core/record_store.h"
#include "accord/hub/core/rocksdb_ingest_log.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/policy_set.h"
#include "accord/policy/redactor.h"
#include "records.h"

namespace accord::hub {
namespace {

constexpr int kRecords = 20000;
constexpr int kPublishBatch = 500;

[[noreturn]] void Fail(const absl::Status& s) {
  std::fprintf(stderr, "policy_stage_bench: %s\n", s.ToString().c_str());
  std::abort();
}

template <typename T>
T Must(absl::StatusOr<T> v) {
  if (!v.ok()) Fail(v.status());
  return std::move(v).value();
}

std::shared_ptr<const policy::PolicySet> LoadgenPolicy() {
  std::ifstream in(ACCORD_LOADGEN_AGREEMENT);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = policy::ParseAgreement(text.str(), "agreement.yaml");
  if (!parsed.agreement.has_value()) Fail(absl::InvalidArgumentError("loadgen agreement does not parse"));
  auto agreement = std::make_shared<const policy::Agreement>(std::move(*parsed.agreement));
  return Must(policy::PolicySet::Build(
      {policy::ActiveAgreement{agreement, policy::Fingerprint(*agreement), std::string(32, 'k')}}));
}

// A hub's embedded storage, with the production HubDb options.
struct Storage {
  std::string dir;
  std::unique_ptr<HubDb> db;
  std::unique_ptr<RocksDbIngestLog> log;
  std::unique_ptr<ledger::TreeHeadSigner> signer;
  std::unique_ptr<ledger::MerkleLog> ledger;
  std::unique_ptr<RecordStore> records;
  FeedNotifier feeds;

  Storage() {
    std::string tmpl = "/tmp/accord-stage-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir = tmpl;
    auto filter = std::make_shared<ErasedRecordsFilter>();
    HubDbOptions options;
    options.path = dir + "/db";
    options.records_filter = filter;
    db = Must(HubDb::Open(options));
    RocksDbIngestLogOptions log_options;
    log_options.dedupe_key = std::string(32, 'd');
    log_options.quarantine_key = std::string(32, 'q');
    log_options.record_key = std::string(32, 'r');
    log = Must(RocksDbIngestLog::Open(db.get(), log_options));
    signer = Must(ledger::TreeHeadSigner::FromPrivatePem(Must(ledger::GenerateSigningKeyPem())));
    ledger = Must(ledger::MerkleLog::Open(
        db->db(), {db->cf(HubDb::kLedgerEntries), db->cf(HubDb::kLedgerNodes), db->cf(HubDb::kLedgerHeads)},
        signer.get()));
    records = Must(RecordStore::Open(db.get(), std::string(64, 's'), filter));
  }
  ~Storage() {
    log->Stop();
    records.reset();
    ledger.reset();
    log.reset();
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

void BM_EmbeddedPolicyStage(benchmark::State& state) {
  Storage storage;
  auto policy = LoadgenPolicy();
  std::shared_ptr<const policy::Redactor> redactor = Must(policy::Redactor::Create());
  loadgen::RecordFactory factory("loadgen-police", "bench");
  uint64_t sequence = 0;
  for (auto _ : state) {
    for (int sent = 0; sent < kRecords; sent += kPublishBatch) {
      IngestLog::Batch batch;
      for (int i = 0; i < kPublishBatch; ++i) batch.records.push_back(factory.Make(++sequence, 0));
      absl::Notification done;
      batch.done = [&](absl::Status s, const std::vector<IngestLog::Outcome>&) {
        if (!s.ok()) Fail(s);
        done.Notify();
      };
      if (!storage.log->TryAppend(batch)) Fail(absl::ResourceExhaustedError("ingest log refused"));
      done.WaitForNotification();
    }
    PolicyStageOptions options;
    options.hub_instance = "bench";
    const absl::Time start = absl::Now();
    auto stage = Must(PolicyStage::Start(storage.db.get(), storage.log.get(), storage.ledger.get(),
                                         storage.records.get(), &storage.feeds, [policy] { return policy; },
                                         redactor, options));
    while (storage.log->backlog() > 0) absl::SleepFor(absl::Microseconds(200));
    state.SetIterationTime(absl::ToDoubleSeconds(absl::Now() - start));
    if (stage->stats().disclosures.load() == 0) Fail(absl::InternalError("nothing was disclosed"));
    stage->Stop();
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_EmbeddedPolicyStage)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace accord::hub

BENCHMARK_MAIN();
