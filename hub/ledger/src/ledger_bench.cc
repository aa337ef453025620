// Ledger benchmarks against the issue-4 targets (2-core machine):
//   BM_AppendDurable      >= 250,000 appends/s: batches of 1000 ~300-byte
//                         entries, WAL on, sync=true per batch (items_per_second);
//                         /100: batches of 100 (a lightly loaded hub)
//   BM_InclusionProof10M  <= 1 ms per proof in a 10,000,000-entry tree (the DB
//                         is built once, flushed and reopened so proofs read SSTs)
//   BM_VerifyStoredLog1M  <= 10 s to recompute a 1,000,000-entry tree and check
//                         its 1000 signed heads
// Run:  ledger_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// All data lives in temp dirs under /tmp, removed at exit.
#include <benchmark/benchmark.h>

#include <future>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "accord/hub/ledger/ledger_db.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "layout_test_util.h"
#include "ledger_test_util.h"

namespace accord::hub::ledger {
namespace {

using testing::SampleEntry;
using testing::TempDir;

[[noreturn]] void Fail(const absl::Status& s) {
  std::fprintf(stderr, "ledger_bench: %s\n", s.ToString().c_str());
  std::abort();
}

// A signer, a temp dir, a DB and a log over it.
struct Ledger {
  TempDir dir;
  std::unique_ptr<TreeHeadSigner> signer;
  std::unique_ptr<LedgerDb> db;
  std::unique_ptr<MerkleLog> log;
  absl::Time now = absl::FromUnixSeconds(1700000000);

  Ledger() {
    auto pem = GenerateSigningKeyPem();
    if (!pem.ok()) Fail(pem.status());
    auto s = TreeHeadSigner::FromPrivatePem(*pem);
    if (!s.ok()) Fail(s.status());
    signer = *std::move(s);
    Reopen();
  }
  void Reopen() {
    log.reset();
    db.reset();
    auto d = OpenLedgerDbForTest(dir.path());
    if (!d.ok()) Fail(d.status());
    db = *std::move(d);
    auto l = MerkleLog::Open(db->db.get(), db->cfs, signer.get());
    if (!l.ok()) Fail(l.status());
    log = *std::move(l);
  }
  // Appends `count` entries made by `make` in batches of `batch`.
  template <typename Make>
  void Fill(uint64_t count, size_t batch_size, bool sync, Make make) {
    std::vector<std::string> batch;
    while (log->size() < count) {
      batch.clear();
      for (uint64_t i = log->size(); i < count && batch.size() < batch_size; ++i) {
        batch.push_back(make(i));
      }
      now += absl::Milliseconds(10);
      auto p = log->Append(batch, now, sync);
      if (!p.ok()) Fail(p.status());
    }
  }
  void FlushAndReopen() {
    rocksdb::FlushOptions flush;
    for (auto* cf : {db->cfs.entries, db->cfs.nodes, db->cfs.heads}) {
      absl::Status s = FromRocksDb(db->db->Flush(flush, cf), "flush");
      if (!s.ok()) Fail(s);
    }
    Reopen();
  }
};

void BM_AppendDurable(benchmark::State& state) {
  const size_t batch_size = static_cast<size_t>(state.range(0));
  Ledger ledger;
  // 16 distinct batches of ~300-byte entries, rotated.
  std::vector<std::vector<std::string>> batches(16);
  for (size_t b = 0; b < batches.size(); ++b) {
    for (size_t i = 0; i < batch_size; ++i) batches[b].push_back(SampleEntry(b * batch_size + i));
  }
  size_t next = 0;
  for (auto _ : state) {
    ledger.now += absl::Milliseconds(1);
    auto p = ledger.log->Append(batches[next++ % batches.size()], ledger.now, /*sync=*/true);
    if (!p.ok()) Fail(p.status());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch_size));
}
BENCHMARK(BM_AppendDurable)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);

// The same, pipelined as the hub's writer does it: batch N+1 is hashed and
// signed (Stage on top of N) while batch N's WriteBatch is written and synced
// on another thread; commits stay in order.
void BM_AppendDurablePipelined(benchmark::State& state) {
  const size_t batch_size = static_cast<size_t>(state.range(0));
  Ledger ledger;
  std::vector<std::vector<std::string>> batches(16);
  for (size_t b = 0; b < batches.size(); ++b) {
    for (size_t i = 0; i < batch_size; ++i) batches[b].push_back(SampleEntry(b * batch_size + i));
  }
  rocksdb::WriteBatch write_batches[2];
  std::optional<MerkleLog::PendingAppend> in_flight;
  std::future<rocksdb::Status> writing;
  rocksdb::WriteOptions sync;
  sync.sync = true;
  size_t n = 0;
  for (auto _ : state) {
    rocksdb::WriteBatch& wb = write_batches[n % 2];
    wb.Clear();
    ledger.now += absl::Milliseconds(1);
    auto staged = ledger.log->Stage(batches[n++ % batches.size()], ledger.now, &wb,
                                    in_flight ? &*in_flight : nullptr);
    if (!staged.ok()) Fail(staged.status());
    if (writing.valid()) {
      absl::Status s = FromRocksDb(writing.get(), "write batch");
      if (!s.ok()) Fail(s);
      ledger.log->Commit(*in_flight);
    }
    in_flight = *std::move(staged);
    writing = std::async(std::launch::async, [&ledger, &wb, &sync] {
      return ledger.db->db->Write(sync, &wb);
    });
  }
  if (writing.valid()) {
    if (!writing.get().ok()) Fail(absl::InternalError("write"));
    ledger.log->Commit(*in_flight);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch_size));
}
BENCHMARK(BM_AppendDurablePipelined)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);

// Stage only (hashing, batch building, one signature): the CPU part of an
// append, on a log of 300 entries (so the partial bundle and tiles the append
// rewrites are not empty). Counters: RocksDB keys and WriteBatch bytes per
// append (what the WAL and memtable get).
void BM_StageOnly(benchmark::State& state) {
  Ledger ledger;
  ledger.Fill(300, 300, /*sync=*/false, SampleEntry);
  std::vector<std::string> batch;
  for (int i = 0; i < state.range(0); ++i) batch.push_back(SampleEntry(300 + i));
  size_t keys = 0, bytes = 0;
  for (auto _ : state) {
    rocksdb::WriteBatch wb;
    auto p = ledger.log->Stage(batch, ledger.now, &wb);
    if (!p.ok()) Fail(p.status());
    keys = wb.Count();
    bytes = wb.GetDataSize();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["keys_per_append"] = static_cast<double>(keys);
  state.counters["batch_bytes_per_entry"] = static_cast<double>(bytes) / static_cast<double>(batch.size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(BM_StageOnly)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

constexpr uint64_t kProofTreeSize = 10'000'000;

Ledger& ProofLedger() {
  static std::unique_ptr<Ledger> ledger = [] {
    auto l = std::make_unique<Ledger>();
    // Small entries keep setup short: proofs only read ledger_nodes, whose
    // size does not depend on entry size.
    l->Fill(kProofTreeSize, 10000, /*sync=*/false, [](uint64_t i) {
      std::string e = "e";
      e += std::to_string(i);
      e.resize(64, 'x');
      return e;
    });
    l->FlushAndReopen();
    return l;
  }();
  return *ledger;
}

void BM_InclusionProof10M(benchmark::State& state) {
  Ledger& ledger = ProofLedger();
  const SignedTreeHead head = ledger.log->LatestHead();
  std::mt19937_64 rng(7);
  for (auto _ : state) {
    const uint64_t index = rng() % head.head.tree_size;
    auto proof = ledger.log->InclusionProof(index, head.head.tree_size);
    if (!proof.ok()) Fail(proof.status());
    benchmark::DoNotOptimize(proof->data());
  }
}
BENCHMARK(BM_InclusionProof10M)->Unit(benchmark::kMicrosecond);

// Proof + the entry read + client-side verification against the signed head.
void BM_InclusionProofAndVerify10M(benchmark::State& state) {
  Ledger& ledger = ProofLedger();
  const SignedTreeHead head = ledger.log->LatestHead();
  std::mt19937_64 rng(11);
  for (auto _ : state) {
    const uint64_t index = rng() % head.head.tree_size;
    auto proof = ledger.log->InclusionProof(index, head.head.tree_size);
    auto entry = ledger.log->Entry(index);
    if (!proof.ok() || !entry.ok()) Fail(absl::InternalError("proof read"));
    absl::Status s =
        VerifyInclusion(index, head.head.tree_size, LeafHash(*entry), *proof, head.head.root);
    if (!s.ok()) Fail(s);
  }
}
BENCHMARK(BM_InclusionProofAndVerify10M)->Unit(benchmark::kMicrosecond);

void BM_VerifyStoredLog1M(benchmark::State& state) {
  static std::unique_ptr<Ledger> ledger = [] {
    auto l = std::make_unique<Ledger>();
    l->Fill(1'000'000, 1000, /*sync=*/false, SampleEntry);
    l->FlushAndReopen();
    return l;
  }();
  for (auto _ : state) {
    VerifyReport report =
        VerifyStoredLog(ledger->db->db.get(), ledger->db->cfs, ledger->signer->public_pem());
    if (!report.ok || report.entries_checked != 1'000'000) {
      Fail(absl::InternalError(report.problem));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 1'000'000));
}
BENCHMARK(BM_VerifyStoredLog1M)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// Opening a 1,000,000-entry store written in the legacy layout (one key per
// entry and node): MerkleLog::Open migrates it to tiles. What the first start
// of an upgraded hub costs per million ledger entries.
void BM_MigrateLegacy1M(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto ledger = std::make_unique<Ledger>();
    ledger->log.reset();
    // Wipe the fresh tiles.v1 store's format key: write a legacy one instead.
    testing::LegacyLayoutWriter writer;
    auto* db = ledger->db->db.get();
    if (!db->Delete(rocksdb::WriteOptions(), ledger->db->cfs.nodes, rocksdb::Slice("m/format")).ok()) {
      Fail(absl::InternalError("delete format key"));
    }
    std::vector<std::string> batch;
    for (uint64_t i = 0; i < 1'000'000; i += 1000) {
      batch.clear();
      for (uint64_t j = i; j < i + 1000; ++j) batch.push_back(SampleEntry(j));
      ledger->now += absl::Milliseconds(10);
      auto h = writer.Append(db, ledger->db->cfs, *ledger->signer, batch, ledger->now);
      if (!h.ok()) Fail(h.status());
    }
    rocksdb::FlushOptions flush;
    for (auto* cf : {ledger->db->cfs.entries, ledger->db->cfs.nodes, ledger->db->cfs.heads}) {
      if (!db->Flush(flush, cf).ok()) Fail(absl::InternalError("flush"));
    }
    state.ResumeTiming();
    auto log = MerkleLog::Open(db, ledger->db->cfs, ledger->signer.get());
    if (!log.ok() || (*log)->size() != 1'000'000) Fail(log.status());
    state.PauseTiming();
    log->reset();
    ledger.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 1'000'000));
}
BENCHMARK(BM_MigrateLegacy1M)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace accord::hub::ledger

BENCHMARK_MAIN();
