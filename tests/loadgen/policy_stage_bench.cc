// The embedded hub's policy stage alone, without gRPC or a load generator on
// the same cores: the loadgen's records (deploy/loadgen/agreement.yaml: 16
// fields, two depersonalised flows each) are stored in the RocksDB ingest log
// first, then the stage applies the flows and commits feeds, audit store and
// ledger in fsync'd WriteBatches, as accord-hub does. No subscriber is
// attached, so feed fan-out is not counted.
//
//   BM_EmbeddedPolicyStage/sealed:1  records/s (items_per_second) from the first
//                            poll to the last commit of 20,000 records, the
//                            raw records sealed at rest as accord-hub stores
//                            them (each Poll opens them: AES-256-GCM)
//   BM_EmbeddedPolicyStage/sealed:0  the same records stored in clear (as a
//                            data directory from before sealing holds them,
//                            which the log still reads): the A/B of the open
//   BM_IngestAppend          records/s the ingest writer makes durable
//                            (TryAppend to done, 500-record batches: dedupe
//                            lookup, seal, fsync'd WriteBatch)
//   BM_SealRawRecord         AES-256-GCM of one serialized loadgen record with
//                            the writer's keyed context: its share of the
//                            append is BM_SealRawRecord / (1 / BM_IngestAppend)
//
// Each of the first two also reports `cpu_us_per_record`: the process's CPU
// time (every thread: writer, stage, commit, RocksDB's) over the measured part,
// per record. Unlike records/s it hardly moves when other processes share the
// cores, so it is the figure to compare A/B on a busy machine; and
// `faults_per_record`, the page faults for fresh memory (each costs the
// kernel a cleared page). Linked with
// jemalloc, as accord-hub is.
//
// Run:  loadgen_policy_stage_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Data lives in a temp dir under /tmp, removed at exit.
#include <benchmark/benchmark.h>

#include <sys/resource.h>

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
#include "accord/hub/core/ledger_store.h"
#include "accord/hub/core/meta_keys.h"
#include "accord/hub/core/policy_stage.h"
#include "accord/hub/core/record_store.h"
#include "accord/hub/core/rocksdb_ingest_log.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/openssl.h"
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

// The process's CPU time (user + system, every thread) and the page faults
// that found no page (fresh memory the kernel had to clear), summed over the
// measured parts of a benchmark and reported per record.
class UsageMeter {
 public:
  void Start() { start_ = Now(); }
  void Stop() {
    const Sample now = Now();
    cpu_ += now.cpu - start_.cpu;
    faults_ += now.faults - start_.faults;
  }
  void Report(benchmark::State& state, int64_t records) const {
    state.counters["cpu_us_per_record"] = absl::ToDoubleMicroseconds(cpu_) / static_cast<double>(records);
    state.counters["faults_per_record"] = static_cast<double>(faults_) / static_cast<double>(records);
  }

 private:
  struct Sample {
    absl::Duration cpu;
    int64_t faults = 0;
  };
  static Sample Now() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return {absl::DurationFromTimeval(u.ru_utime) + absl::DurationFromTimeval(u.ru_stime), u.ru_minflt};
  }
  Sample start_;
  absl::Duration cpu_;
  int64_t faults_ = 0;
};

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

// A hub's embedded storage, with the production HubDb options. With
// `plain_records`, that many loadgen records are first stored in clear in the
// ingest column family (the layout before sealing), then the log is opened.
struct Storage {
  std::string dir;
  std::unique_ptr<HubDb> db;
  std::unique_ptr<RocksDbIngestLog> log;
  std::unique_ptr<ledger::TreeHeadSigner> signer;
  std::unique_ptr<ledger::MerkleLog> ledger;
  std::unique_ptr<PeriodKeyring> keyring;
  std::unique_ptr<FeedStore> feed_store;
  std::unique_ptr<RecordStore> records;
  FeedNotifier feeds;

  explicit Storage(int plain_records = 0) {
    std::string tmpl = "/tmp/accord-stage-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir = tmpl;
    auto filter = std::make_shared<ErasedRecordsFilter>();
    HubDbOptions options;
    options.path = dir + "/db";
    options.records_filter = filter;
    db = Must(HubDb::Open(options));
    if (plain_records > 0) WritePlain(plain_records);
    RocksDbIngestLogOptions log_options;
    log_options.dedupe_key = std::string(32, 'd');
    log_options.quarantine_key = std::string(32, 'q');
    log_options.record_key = std::string(32, 'r');
    log = Must(RocksDbIngestLog::Open(db.get(), log_options));
    signer = Must(ledger::TreeHeadSigner::FromPrivatePem(Must(ledger::GenerateSigningKeyPem())));
    ledger = Must(OpenDisclosureLedger(db.get(), signer.get()));
    keyring = Must(PeriodKeyring::Open(db.get(), std::string(64, 's'), filter));
    feed_store = Must(FeedStore::Open(db.get(), keyring.get()));
    records = Must(RecordStore::Open(db.get(), keyring.get(), feed_store.get()));
  }
  void WritePlain(int n) {
    loadgen::RecordFactory factory("loadgen-police", "bench");
    std::string value;
    for (int first = 1; first <= n; first += kPublishBatch) {
      rocksdb::WriteBatch wb;
      for (int i = first; i < first + kPublishBatch && i <= n; ++i) {
        value.clear();
        factory.Make(static_cast<uint64_t>(i), 0).SerializeToString(&value);
        wb.Put(db->cf(HubDb::kIngest), EncodeU64(static_cast<uint64_t>(i)), value);
        wb.Put(db->cf(HubDb::kDedupe), "plain" + std::to_string(i), EncodeU64(static_cast<uint64_t>(i)));
      }
      wb.Put(db->cf(HubDb::kMeta), meta_keys::kIngestLast, EncodeU64(static_cast<uint64_t>(std::min(n, first + kPublishBatch - 1))));
      if (auto st = db->WriteSync(&wb); !st.ok()) Fail(st);
    }
  }

  // Appends kRecords loadgen records through the writer, batch by batch.
  void Append(loadgen::RecordFactory& factory, uint64_t* sequence) {
    for (int sent = 0; sent < kRecords; sent += kPublishBatch) {
      IngestLog::Batch batch;
      for (int i = 0; i < kPublishBatch; ++i) batch.records.push_back(factory.Make(++*sequence, 0));
      absl::Notification done;
      batch.done = [&](absl::Status st, const std::vector<IngestLog::Outcome>&) {
        if (!st.ok()) Fail(st);
        done.Notify();
      };
      if (!log->TryAppend(batch)) Fail(absl::ResourceExhaustedError("ingest log refused"));
      done.WaitForNotification();
    }
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
  const bool sealed = state.range(0) != 0;
  auto policy = LoadgenPolicy();
  std::shared_ptr<const policy::Redactor> redactor = Must(policy::Redactor::Create());
  UsageMeter usage;
  for (auto _ : state) {
    // Fresh storage per iteration, so that both variants poll offsets 1..kRecords.
    Storage storage(sealed ? 0 : kRecords);
    if (sealed) {
      loadgen::RecordFactory factory("loadgen-police", "bench");
      uint64_t sequence = 0;
      storage.Append(factory, &sequence);
    }
    PolicyStageOptions options;
    options.hub_instance = "bench";
    const absl::Time start = absl::Now();
    usage.Start();
    PipelineStats stats;
    auto committer = Must(OutcomeCommitter::Open(storage.db.get(), storage.ledger.get(), storage.feed_store.get(),
                                                 storage.records.get(), &storage.feeds, /*dedupe_deliveries=*/false,
                                                 &stats));
    auto stage = Must(PolicyStage::Start(storage.log.get(), committer.get(), [policy] { return policy; }, redactor,
                                         options));
    while (storage.log->backlog() > 0) absl::SleepFor(absl::Microseconds(200));
    state.SetIterationTime(absl::ToDoubleSeconds(absl::Now() - start));
    usage.Stop();
    if (stats.disclosures.load() == 0) Fail(absl::InternalError("nothing was disclosed"));
    stage->Stop();
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  usage.Report(state, state.iterations() * kRecords);
}
BENCHMARK(BM_EmbeddedPolicyStage)->ArgName("sealed")->Arg(1)->Arg(0)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_IngestAppend(benchmark::State& state) {
  loadgen::RecordFactory factory("loadgen-police", "bench");
  uint64_t sequence = 0;
  UsageMeter usage;
  for (auto _ : state) {
    Storage storage;
    const absl::Time start = absl::Now();
    usage.Start();
    storage.Append(factory, &sequence);
    usage.Stop();
    state.SetIterationTime(absl::ToDoubleSeconds(absl::Now() - start));
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  usage.Report(state, state.iterations() * kRecords);
}
BENCHMARK(BM_IngestAppend)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_SealRawRecord(benchmark::State& state) {
  loadgen::RecordFactory factory("loadgen-police", "bench");
  const std::string plain = factory.Make(42, 0).SerializeAsString();
  auto sealer = Must(policy::AesGcmSealer::Create(std::string(32, 'r')));
  policy::RandomPool nonces;
  std::string out(1 + policy::kAesGcmNonceBytes + plain.size() + policy::kAesGcmTagBytes, '\0');
  const std::string aad = EncodeU64(7);
  for (auto _ : state) {
    absl::Span<char> nonce = absl::MakeSpan(out).subspan(1, policy::kAesGcmNonceBytes);
    if (auto st = nonces.Fill(nonce); !st.ok()) Fail(st);
    if (auto st = sealer.Seal(std::string_view(nonce.data(), nonce.size()), plain, aad,
                              absl::MakeSpan(out).subspan(1 + policy::kAesGcmNonceBytes));
        !st.ok()) {
      Fail(st);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(plain.size()));
  state.counters["record_bytes"] = static_cast<double>(plain.size());
}
BENCHMARK(BM_SealRawRecord);

}  // namespace
}  // namespace accord::hub

BENCHMARK_MAIN();
