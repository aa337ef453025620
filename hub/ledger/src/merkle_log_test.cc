#include "accord/hub/ledger/merkle_log.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/ledger_db.h"
#include "gtest/gtest.h"
#include "keys.h"
#include "layout_test_util.h"
#include "ledger_test_util.h"
#include "tiles.h"

namespace accord::hub::ledger {
namespace {

using testing::SampleEntry;
using testing::TempDir;

// Naive recursive RFC 6962 MTH over leaf hashes [begin, end).
Hash NaiveMth(const std::vector<Hash>& leaves, uint64_t begin, uint64_t end) {
  if (end == begin) return EmptyRoot();
  if (end - begin == 1) return leaves[begin];
  uint64_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return NodeHash(NaiveMth(leaves, begin, begin + k), NaiveMth(leaves, begin + k, end));
}

class MerkleLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pem = GenerateSigningKeyPem();
    ASSERT_TRUE(pem.ok());
    auto signer = TreeHeadSigner::FromPrivatePem(*pem);
    ASSERT_TRUE(signer.ok());
    signer_ = *std::move(signer);
    Reopen();
  }

  void Reopen() {
    log_.reset();
    db_.reset();
    auto db = OpenLedgerDbForTest(dir_.path());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto log = MerkleLog::Open(db_->db.get(), db_->cfs, signer_.get());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  absl::Status ReopenStatus() {
    log_.reset();
    db_.reset();
    auto db = OpenLedgerDbForTest(dir_.path());
    if (!db.ok()) return db.status();
    db_ = *std::move(db);
    return MerkleLog::Open(db_->db.get(), db_->cfs, signer_.get()).status();
  }

  TempDir dir_;
  std::unique_ptr<TreeHeadSigner> signer_;
  std::unique_ptr<LedgerDb> db_;
  std::unique_ptr<MerkleLog> log_;
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
};

TEST_F(MerkleLogTest, ReferenceTreeProofsFromTheDb) {
  const char* hex[] = {"",         "00",       "10",
                       "2021",     "3031",     "40414243",
                       "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
  for (const char* h : hex) {
    std::vector<std::string> batch = {absl::HexStringToBytes(h)};
    ASSERT_TRUE(log_->Append(batch, now_, /*sync=*/false).ok());
  }
  EXPECT_EQ(log_->size(), 8u);
  EXPECT_EQ(HashToHex(log_->LatestHead().head.root),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
  auto root3 = log_->RootAt(3);
  ASSERT_TRUE(root3.ok());
  EXPECT_EQ(HashToHex(*root3), "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77");
  auto proof = log_->InclusionProof(5, 8);
  ASSERT_TRUE(proof.ok()) << proof.status();
  ASSERT_EQ(proof->size(), 3u);
  EXPECT_EQ(HashToHex((*proof)[0]),
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
  EXPECT_EQ(HashToHex((*proof)[1]),
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0");
  EXPECT_EQ(HashToHex((*proof)[2]),
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
  auto consistency = log_->ConsistencyProof(6, 8);
  ASSERT_TRUE(consistency.ok());
  ASSERT_EQ(consistency->size(), 3u);
  EXPECT_EQ(HashToHex((*consistency)[0]),
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a");
  // Every head is stored by size and verifies.
  auto heads = log_->Heads(0, 100);
  ASSERT_TRUE(heads.ok());
  ASSERT_EQ(heads->size(), 8u);
  for (size_t i = 0; i < heads->size(); ++i) {
    EXPECT_EQ((*heads)[i].head.tree_size, i + 1);
    EXPECT_TRUE(VerifyTreeHead((*heads)[i], signer_->public_pem()).ok());
  }
  // Bounds.
  EXPECT_EQ(log_->InclusionProof(8, 8).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(log_->InclusionProof(0, 9).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(log_->ConsistencyProof(1, 9).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(log_->Entry(8).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(log_->HeadAt(9).status().code(), absl::StatusCode::kNotFound);
  auto e = log_->Entry(3);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(absl::BytesToHexString(*e), "2021");
}

TEST_F(MerkleLogTest, EmptyLogAndArgumentChecks) {
  EXPECT_EQ(log_->size(), 0u);
  EXPECT_EQ(log_->LatestHead().head.tree_size, 0u);
  EXPECT_EQ(log_->LatestHead().head.root, EmptyRoot());
  rocksdb::WriteBatch batch;
  EXPECT_EQ(log_->Stage({}, now_, &batch).status().code(), absl::StatusCode::kInvalidArgument);
  auto read_only = MerkleLog::Open(db_->db.get(), db_->cfs, nullptr);
  ASSERT_TRUE(read_only.ok());
  std::vector<std::string> one = {"x"};
  EXPECT_EQ((*read_only)->Stage(one, now_, &batch).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// Random batch sizes up to 5000; roots match a TreeBuilder and a naive MTH;
// sampled proofs verify against the signed heads; state survives a reopen.
TEST_F(MerkleLogTest, RandomBatchesProofsAndReopen) {
  std::mt19937_64 rng(42);
  std::vector<Hash> leaves;
  TreeBuilder builder;
  std::vector<SignedTreeHead> heads;
  auto append_batches = [&](int batches) {
    for (int b = 0; b < batches; ++b) {
      const int n = 1 + static_cast<int>(rng() % 5000);
      std::vector<std::string> batch;
      for (int i = 0; i < n; ++i) batch.push_back(SampleEntry(leaves.size() + i));
      now_ += absl::Milliseconds(1500);
      auto pending = log_->Append(batch, now_, /*sync=*/false);
      ASSERT_TRUE(pending.ok()) << pending.status();
      EXPECT_EQ(pending->first_index, leaves.size());
      for (const std::string& e : batch) {
        leaves.push_back(LeafHash(e));
        builder.Append(leaves.back());
      }
      EXPECT_EQ(pending->new_size, leaves.size());
      EXPECT_EQ(log_->size(), leaves.size());
      EXPECT_EQ(pending->head.head.root, builder.Root());
      EXPECT_EQ(pending->head.head.timestamp, now_);
      EXPECT_EQ(log_->LatestHead(), pending->head);
      heads.push_back(pending->head);
    }
  };
  append_batches(8);
  EXPECT_EQ(log_->LatestHead().head.root, NaiveMth(leaves, 0, leaves.size()));

  Reopen();
  EXPECT_EQ(log_->size(), leaves.size());
  EXPECT_EQ(log_->LatestHead(), heads.back());
  append_batches(4);
  EXPECT_EQ(log_->LatestHead().head.root, NaiveMth(leaves, 0, leaves.size()));

  auto stored = log_->Heads(0, UINT64_MAX);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, heads);
  for (const SignedTreeHead& h : heads) {
    ASSERT_TRUE(VerifyTreeHead(h, signer_->public_pem()).ok());
    auto at = log_->HeadAt(h.head.tree_size);
    ASSERT_TRUE(at.ok());
    EXPECT_EQ(*at, h);
  }
  // Inclusion proofs for sampled (index, head) pairs.
  for (int s = 0; s < 400; ++s) {
    const SignedTreeHead& h = heads[rng() % heads.size()];
    const uint64_t index = rng() % h.head.tree_size;
    auto proof = log_->InclusionProof(index, h.head.tree_size);
    ASSERT_TRUE(proof.ok()) << proof.status();
    auto entry = log_->Entry(index);
    ASSERT_TRUE(entry.ok());
    EXPECT_TRUE(VerifyInclusion(index, h.head.tree_size, LeafHash(*entry), *proof, h.head.root).ok())
        << index << "/" << h.head.tree_size;
    EXPECT_FALSE(VerifyInclusion(index, h.head.tree_size, LeafHash(*entry + "x"), *proof,
                                 h.head.root)
                     .ok());
  }
  // Consistency between every pair of heads, and random sizes against roots.
  for (size_t i = 0; i < heads.size(); ++i) {
    for (size_t j = i; j < heads.size(); ++j) {
      auto proof = log_->ConsistencyProof(heads[i].head.tree_size, heads[j].head.tree_size);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(VerifyConsistency(heads[i].head.tree_size, heads[j].head.tree_size,
                                    heads[i].head.root, heads[j].head.root, *proof)
                      .ok());
    }
  }
  for (int s = 0; s < 100; ++s) {
    const uint64_t m = rng() % (leaves.size() + 1);
    const uint64_t n = m + rng() % (leaves.size() - m + 1);
    auto proof = log_->ConsistencyProof(m, n);
    ASSERT_TRUE(proof.ok());
    EXPECT_TRUE(VerifyConsistency(m, n, NaiveMth(leaves, 0, m), NaiveMth(leaves, 0, n), *proof).ok())
        << m << "->" << n;
  }
  // The full verifier agrees.
  VerifyReport report = VerifyStoredLog(db_->db.get(), db_->cfs, signer_->public_pem());
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries_checked, leaves.size());
  EXPECT_EQ(report.heads_checked, heads.size());
}

TEST_F(MerkleLogTest, StagedButUnwrittenAppendChangesNothing) {
  std::vector<std::string> first = {"a", "b", "c"};
  ASSERT_TRUE(log_->Append(first, now_, true).ok());
  const SignedTreeHead before = log_->LatestHead();
  rocksdb::WriteBatch dropped;
  std::vector<std::string> second = {"d", "e"};
  auto pending = log_->Stage(second, now_, &dropped);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->new_size, 5u);
  EXPECT_EQ(log_->size(), 3u);
  EXPECT_EQ(log_->LatestHead(), before);
  // Dropped: stage again, write the caller's batch with extra data, commit.
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(db_->handles[0].get(), "pipeline-step", "x").ok());
  auto again = log_->Stage(second, now_ - absl::Seconds(5), &batch);
  ASSERT_TRUE(again.ok());
  // Clock went backwards: the head time does not.
  EXPECT_EQ(again->head.head.timestamp, before.head.timestamp);
  ASSERT_TRUE(db_->db->Write(rocksdb::WriteOptions(), &batch).ok());
  log_->Commit(*again);
  EXPECT_EQ(log_->size(), 5u);
  Reopen();
  EXPECT_EQ(log_->size(), 5u);
  auto root = log_->RootAt(5);
  ASSERT_TRUE(root.ok());
  TreeBuilder b;
  for (const char* e : {"a", "b", "c", "d", "e"}) b.Append(LeafHash(e));
  EXPECT_EQ(*root, b.Root());
}

// Stage batch N+1 on top of N while N is being written; commit in order.
TEST_F(MerkleLogTest, PipelinedStaging) {
  std::vector<std::string> a = {"a", "b", "c"}, b = {"d", "e"}, c = {"f"};
  rocksdb::WriteBatch wa, wb, wc;
  auto pa = log_->Stage(a, now_, &wa);
  ASSERT_TRUE(pa.ok());
  auto pb = log_->Stage(b, now_ - absl::Seconds(1), &wb, &*pa);
  ASSERT_TRUE(pb.ok());
  EXPECT_EQ(pb->first_index, 3u);
  EXPECT_EQ(pb->new_size, 5u);
  EXPECT_EQ(pb->head.head.timestamp, pa->head.head.timestamp);
  ASSERT_TRUE(db_->db->Write(rocksdb::WriteOptions(), &wa).ok());
  log_->Commit(*pa);
  auto pc = log_->Stage(c, now_ + absl::Seconds(1), &wc, &*pb);
  ASSERT_TRUE(pc.ok());
  ASSERT_TRUE(db_->db->Write(rocksdb::WriteOptions(), &wb).ok());
  log_->Commit(*pb);
  ASSERT_TRUE(db_->db->Write(rocksdb::WriteOptions(), &wc).ok());
  log_->Commit(*pc);
  // Staging after an already-committed append is refused.
  rocksdb::WriteBatch stale;
  EXPECT_EQ(log_->Stage(c, now_, &stale, &*pa).status().code(),
            absl::StatusCode::kFailedPrecondition);
  TreeBuilder builder;
  for (const char* e : {"a", "b", "c", "d", "e", "f"}) builder.Append(LeafHash(e));
  EXPECT_EQ(log_->LatestHead().head.root, builder.Root());
  Reopen();
  EXPECT_EQ(log_->size(), 6u);
  VerifyReport report = VerifyStoredLog(db_->db.get(), db_->cfs, signer_->public_pem());
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.heads_checked, 3u);
}

// A head lost without its entries (or entries without a head) is DataLoss at
// open: the on-disk head must always match the entries.
TEST_F(MerkleLogTest, OpenDetectsHeadEntryMismatch) {
  std::vector<std::string> batch = {"a", "b", "c"};
  ASSERT_TRUE(log_->Append(batch, now_, true).ok());
  std::vector<std::string> batch2 = {"d"};
  ASSERT_TRUE(log_->Append(batch2, now_, true).ok());
  ASSERT_TRUE(db_->db->Delete(rocksdb::WriteOptions(), db_->cfs.heads, U64Key(4).slice()).ok());
  EXPECT_EQ(ReopenStatus().code(), absl::StatusCode::kDataLoss);
}

TEST_F(MerkleLogTest, OpenDetectsAlteredLastEntryAndNodes) {
  std::vector<std::string> batch = {"a", "b", "c"};
  ASSERT_TRUE(log_->Append(batch, now_, true).ok());
  ASSERT_TRUE(testing::PutStoredEntry(db_->db.get(), db_->cfs, 2, "C"));
  EXPECT_EQ(ReopenStatus().code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(testing::PutStoredEntry(db_->db.get(), db_->cfs, 2, "c"));
  EXPECT_TRUE(ReopenStatus().ok());
  // Leaf 0 is folded into the compact range's node (1, 0).
  ASSERT_TRUE(testing::FlipStoredHash(db_->db.get(), db_->cfs, 0, 0));
  EXPECT_EQ(ReopenStatus().code(), absl::StatusCode::kDataLoss);
}

// The last bundle must hold exactly the entries the newest head covers.
TEST_F(MerkleLogTest, OpenDetectsAnExtraOrMissingEntryInTheLastBundle) {
  std::vector<std::string> batch = {"a", "b", "c"};
  ASSERT_TRUE(log_->Append(batch, now_, true).ok());
  ASSERT_TRUE(testing::PutBundle(db_->db.get(), db_->cfs, 0, {"a", "b", "c", "d"}));
  EXPECT_EQ(ReopenStatus().code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(testing::PutBundle(db_->db.get(), db_->cfs, 0, {"a", "b"}));
  EXPECT_EQ(ReopenStatus().code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(testing::PutBundle(db_->db.get(), db_->cfs, 0, {"a", "b", "c"}));
  EXPECT_TRUE(ReopenStatus().ok());
}

// Counts the keys a WriteBatch puts, per column family id.
class KeyCounter : public rocksdb::WriteBatch::Handler {
 public:
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice&, const rocksdb::Slice&) override {
    ++puts[cf];
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice&) override {
    ++deletes;
    return rocksdb::Status::OK();
  }
  std::map<uint32_t, int> puts;
  int deletes = 0;
};

// Keys one Stage writes for a batch of n entries on a log of size s:
// bundles [s / 256, (s + n - 1) / 256], as many level-0 tiles, one level-1
// tile per 256 * 256 leaves the batch touches once it completes a level-0 tile,
// and one head. Not one key per entry or per node.
int ExpectedKeys(uint64_t s, uint64_t n) {
  const uint64_t end = s + n;
  int keys = 1;                                                     // head
  keys += static_cast<int>(2 * ((end - 1) / 256 - s / 256 + 1));   // bundles + level-0 tiles
  for (uint32_t level = 1; HashesAtTileLevel(end, level) > 0; ++level) {
    const uint64_t before = HashesAtTileLevel(s, level), after = HashesAtTileLevel(end, level);
    if (after == before) continue;                                  // no new hash at this level
    keys += static_cast<int>((after - 1) / 256 - before / 256 + 1);
  }
  return keys;
}

TEST_F(MerkleLogTest, StageWritesAFewKeysPerBatchNotPerEntry) {
  std::vector<std::string> batch;
  for (int i = 0; i < 500; ++i) batch.push_back(SampleEntry(i));
  {
    // 500 entries on an empty log: bundles 0 (full) and 1 (partial), level-0
    // tiles 0 (full) and 1 (partial), level-1 tile 0 (one hash), one head.
    rocksdb::WriteBatch wb;
    auto p = log_->Stage(batch, now_, &wb);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(wb.Count(), 6u);
    KeyCounter counter;
    ASSERT_TRUE(wb.Iterate(&counter).ok());
    EXPECT_EQ(counter.puts[db_->cfs.entries->GetID()], 2);
    EXPECT_EQ(counter.puts[db_->cfs.nodes->GetID()], 3);
    EXPECT_EQ(counter.puts[db_->cfs.heads->GetID()], 1);
    EXPECT_EQ(counter.deletes, 0);
    EXPECT_EQ(static_cast<int>(wb.Count()), ExpectedKeys(0, 500));
    ASSERT_TRUE(db_->db->Write(rocksdb::WriteOptions(), &wb).ok());
    log_->Commit(*p);
  }
  // Unaligned and tiny batches, across tile boundaries: never more than the
  // bundles and tiles touched; a 1-entry batch writes 3 keys (bundle, tile, head)
  // unless it completes a tile.
  std::mt19937_64 rng(3);
  for (int round = 0; round < 40; ++round) {
    const uint64_t n = round % 4 == 0 ? 1 : 1 + rng() % 700;
    std::vector<std::string> more;
    for (uint64_t i = 0; i < n; ++i) more.push_back(SampleEntry(log_->size() + i));
    const uint64_t s = log_->size();
    rocksdb::WriteBatch wb;
    now_ += absl::Milliseconds(1);
    auto p = log_->Stage(more, now_, &wb);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(static_cast<int>(wb.Count()), ExpectedKeys(s, n)) << s << "+" << n;
    EXPECT_LE(wb.Count(), 2 * ((n + 255) / 256 + 1) + 2) << s << "+" << n;
    ASSERT_TRUE(db_->db->Write(rocksdb::WriteOptions(), &wb).ok());
    log_->Commit(*p);
  }
  Reopen();
  VerifyReport report = VerifyStoredLog(db_->db.get(), db_->cfs, signer_->public_pem());
  EXPECT_TRUE(report.ok) << report.problem;
}

// Entry() serves every entry of every bundle, including the partial one
// after it grew, and sequential reads in any order agree with what was written.
TEST_F(MerkleLogTest, EntriesAcrossBundlesAndAGrowingPartialBundle) {
  std::vector<std::string> written;
  for (int round = 0; round < 6; ++round) {
    std::vector<std::string> batch;
    for (int i = 0; i < 100; ++i) batch.push_back(SampleEntry(written.size() + i) + std::string(round, 'x'));
    ASSERT_TRUE(log_->Append(batch, now_, false).ok());
    written.insert(written.end(), batch.begin(), batch.end());
    // The last entry of the partial bundle, read after every growth.
    auto last = log_->Entry(written.size() - 1);
    ASSERT_TRUE(last.ok()) << last.status();
    EXPECT_EQ(*last, written.back());
  }
  for (uint64_t i = 0; i < written.size(); ++i) {
    auto e = log_->Entry(i);
    ASSERT_TRUE(e.ok()) << i;
    EXPECT_EQ(*e, written[i]) << i;
  }
  for (uint64_t i = written.size(); i-- > 0;) {
    auto e = log_->Entry(i);
    ASSERT_TRUE(e.ok()) << i;
    EXPECT_EQ(*e, written[i]) << i;
  }
  // An entry of any size, including empty and larger than a tile.
  std::vector<std::string> odd = {"", std::string(70000, 'z')};
  ASSERT_TRUE(log_->Append(odd, now_, false).ok());
  EXPECT_EQ(*log_->Entry(written.size()), "");
  EXPECT_EQ(*log_->Entry(written.size() + 1), odd[1]);
}

}  // namespace
}  // namespace accord::hub::ledger
