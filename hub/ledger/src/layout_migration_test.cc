// Stores written in the legacy layout (one key per entry and per node, by
// LegacyLayoutWriter, the pre-tiles Stage) open with the tiles.v1 MerkleLog:
// migrated at Open, byte for byte the same heads, entries and proofs; a
// migration killed part way resumes; a damaged legacy store is refused
// without deleting anything.
#include "layout_migration.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/ledger_db.h"
#include "accord/hub/ledger/merkle_log.h"
#include "gtest/gtest.h"
#include "keys.h"
#include "layout_test_util.h"
#include "ledger_test_util.h"
#include "tiles.h"

namespace accord::hub::ledger {
namespace {

using testing::LegacyLayoutWriter;
using testing::TempDir;

std::unique_ptr<TreeHeadSigner> NewSigner() {
  auto pem = GenerateSigningKeyPem();
  if (!pem.ok()) std::abort();
  auto signer = TreeHeadSigner::FromPrivatePem(*pem);
  if (!signer.ok()) std::abort();
  return *std::move(signer);
}

// Short entries keep the larger stores quick to build.
std::string ShortEntry(uint64_t i) { return absl::StrCat("entry-", i, std::string(i % 7, '+')); }

// Every key of a column family, in order.
std::vector<std::string> Keys(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->key().ToString());
  return out;
}

bool HasKey(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string_view key) {
  std::string v;
  return db->Get(rocksdb::ReadOptions(), cf, rocksdb::Slice(key.data(), key.size()), &v).ok();
}

// What a legacy store holds and serves, captured before migrating it.
struct LegacyState {
  std::vector<std::string> entries;
  std::vector<SignedTreeHead> heads;
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, std::vector<Hash>>> inclusion, consistency;
};

class LayoutMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override { signer_ = NewSigner(); }

  void OpenDb() {
    log_.reset();
    db_.reset();
    auto db = OpenLedgerDbForTest(dir_->path());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  // Writes a legacy store of the given batch sizes and records its proofs,
  // read from the legacy node keys.
  void WriteLegacy(const std::vector<uint64_t>& batches) {
    OpenDb();
    LegacyLayoutWriter writer;
    absl::Time t = absl::FromUnixSeconds(1700000000);
    for (uint64_t n : batches) {
      std::vector<std::string> batch;
      for (uint64_t i = 0; i < n; ++i) batch.push_back(ShortEntry(writer.size() + i));
      t += absl::Milliseconds(1500);
      auto head = writer.Append(db_->db.get(), db_->cfs, *signer_, batch, t);
      ASSERT_TRUE(head.ok()) << head.status();
      legacy_.heads.push_back(*head);
      legacy_.entries.insert(legacy_.entries.end(), batch.begin(), batch.end());
    }
    std::mt19937_64 rng(9);
    const uint64_t size = legacy_.entries.size();
    for (int s = 0; s < 200; ++s) {
      const uint64_t n = 1 + rng() % size;
      const uint64_t i = rng() % n;
      auto proof = testing::LegacyProof(db_->db.get(), db_->cfs, InclusionProofRanges(i, n));
      ASSERT_TRUE(proof.ok());
      legacy_.inclusion.push_back({{i, n}, *proof});
      const uint64_t m = rng() % (n + 1);
      auto cons = testing::LegacyProof(db_->db.get(), db_->cfs, ConsistencyProofRanges(m, n));
      ASSERT_TRUE(cons.ok());
      legacy_.consistency.push_back({{m, n}, *cons});
    }
    ASSERT_FALSE(HasKey(db_->db.get(), db_->cfs.nodes, kFormatKey));
  }

  absl::Status OpenLog() {
    auto log = MerkleLog::Open(db_->db.get(), db_->cfs, signer_.get());
    if (!log.ok()) return log.status();
    log_ = *std::move(log);
    return absl::OkStatus();
  }

  // The migrated log serves exactly what the legacy one did, holds no legacy
  // key, verifies, and takes new appends.
  void ExpectMigrated() {
    const uint64_t size = legacy_.entries.size();
    ASSERT_EQ(log_->size(), size);
    EXPECT_EQ(log_->LatestHead(), legacy_.heads.back());
    auto heads = log_->Heads(0, UINT64_MAX);
    ASSERT_TRUE(heads.ok());
    EXPECT_EQ(*heads, legacy_.heads);
    for (uint64_t i = 0; i < size; ++i) {
      auto e = log_->Entry(i);
      ASSERT_TRUE(e.ok()) << i << ": " << e.status();
      ASSERT_EQ(*e, legacy_.entries[i]) << i;
    }
    for (const auto& [at, proof] : legacy_.inclusion) {
      auto p = log_->InclusionProof(at.first, at.second);
      ASSERT_TRUE(p.ok());
      EXPECT_EQ(*p, proof) << at.first << "/" << at.second;
    }
    for (const auto& [at, proof] : legacy_.consistency) {
      auto p = log_->ConsistencyProof(at.first, at.second);
      ASSERT_TRUE(p.ok());
      EXPECT_EQ(*p, proof) << at.first << "->" << at.second;
    }
    for (const std::string& key : Keys(db_->db.get(), db_->cfs.entries)) {
      ASSERT_EQ(key[0], kBundlePrefix) << "legacy entry key left";
    }
    for (const std::string& key : Keys(db_->db.get(), db_->cfs.nodes)) {
      ASSERT_TRUE(key[0] == kTilePrefix || key == kFormatKey) << "legacy or migration key left";
    }
    VerifyReport report = VerifyStoredLog(db_->db.get(), db_->cfs, signer_->public_pem());
    EXPECT_TRUE(report.ok) << report.problem;
    EXPECT_EQ(report.entries_checked, size);

    std::vector<std::string> more = {"after-migration-1", "after-migration-2"};
    auto p = log_->Append(more, absl::FromUnixSeconds(1800000000), true);
    ASSERT_TRUE(p.ok()) << p.status();
    TreeBuilder b;
    for (const std::string& e : legacy_.entries) b.Append(LeafHash(e));
    for (const std::string& e : more) b.Append(LeafHash(e));
    EXPECT_EQ(p->head.head.root, b.Root());
    report = VerifyStoredLog(db_->db.get(), db_->cfs, signer_->public_pem());
    EXPECT_TRUE(report.ok) << report.problem;
  }

  std::unique_ptr<TempDir> dir_ = std::make_unique<TempDir>();
  std::unique_ptr<TreeHeadSigner> signer_;
  std::unique_ptr<LedgerDb> db_;
  std::unique_ptr<MerkleLog> log_;
  LegacyState legacy_;
};

TEST_F(LayoutMigrationTest, EmptyStoreGetsTheFormatKey) {
  OpenDb();
  ASSERT_TRUE(OpenLog().ok());
  EXPECT_TRUE(HasKey(db_->db.get(), db_->cfs.nodes, kFormatKey));
  EXPECT_EQ(log_->size(), 0u);
}

// Sizes on both sides of tile and bundle edges, and a store with three tile
// levels (70,000 entries: 273 full level-0 tiles, a level-1 tile of 256 + 17
// hashes, one level-2 hash).
TEST_F(LayoutMigrationTest, LegacyStoresOfManyShapesMigrateAndServeTheSameBytes) {
  for (const std::vector<uint64_t>& batches :
       std::vector<std::vector<uint64_t>>{{1}, {255}, {256}, {1, 256}, {100, 200, 300, 1000},
                                          {65535, 1}, {30000, 40000}}) {
    SCOPED_TRACE(batches.size());
    log_.reset();
    db_.reset();
    dir_ = std::make_unique<TempDir>();
    legacy_ = LegacyState();
    WriteLegacy(batches);
    ASSERT_TRUE(OpenLog().ok());
    ExpectMigrated();
    // Opening again finds the format key and migrates nothing.
    OpenDb();
    ASSERT_TRUE(OpenLog().ok());
    EXPECT_EQ(log_->size(), legacy_.entries.size() + 2);
  }
}

// A process killed between migration batches (here: _exit in a child after
// `kill_after` batches, nothing flushed or closed) leaves a store that opens:
// Open resumes from the progress key and ends with the same log.
class MigrationKillTest : public LayoutMigrationTest, public ::testing::WithParamInterface<int> {};

constexpr char kKillDirEnv[] = "ACCORD_LEDGER_MIGRATION_KILL_DIR";

TEST_P(MigrationKillTest, KilledMidMigrationResumesAtOpen) {
  // The "threadsafe" death test style re-runs this test in a fresh process
  // (no fork of RocksDB's threads) up to EXPECT_EXIT; that child finds the
  // parent's store through the environment and skips writing its own.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const bool child = std::getenv(kKillDirEnv) != nullptr;
  if (!child) WriteLegacy({3000, 70000 - 3000});
  const int kill_after = GetParam();
  db_.reset();
  ASSERT_EQ(setenv(kKillDirEnv, dir_->path().c_str(), /*overwrite=*/0), 0);
  EXPECT_EXIT(
      {
        rmdir(dir_->path().c_str());  // the child's own fixture dir, if empty
        auto db = OpenLedgerDbForTest(std::getenv(kKillDirEnv));
        if (!db.ok()) std::_Exit(3);
        int batches = 0;
        MigrationOptions options;
        options.entries_per_batch = 512;
        options.after_batch = [&] {
          if (++batches == kill_after) std::_Exit(0);
        };
        (void)EnsureTileLayout((*db)->db.get(), (*db)->cfs, options);
        std::_Exit(4);  // finished without being killed
      },
      ::testing::ExitedWithCode(0), "");
  unsetenv(kKillDirEnv);
  OpenDb();
  // Half migrated: the progress key is there, the format key is not, and the
  // legacy keys are all still present; verify refuses the half-migrated store.
  EXPECT_TRUE(HasKey(db_->db.get(), db_->cfs.nodes, kMigrationKey));
  EXPECT_FALSE(HasKey(db_->db.get(), db_->cfs.nodes, kFormatKey));
  EXPECT_TRUE(HasKey(db_->db.get(), db_->cfs.entries, U64Key(69999).slice().ToString()));
  EXPECT_TRUE(HasKey(db_->db.get(), db_->cfs.entries, BundleKey(0).slice().ToString()));
  VerifyReport half = VerifyStoredLog(db_->db.get(), db_->cfs, signer_->public_pem());
  EXPECT_FALSE(half.ok);
  ASSERT_TRUE(OpenLog().ok());
  ExpectMigrated();
}

// 70,000 entries in batches of 512: 137 level-0 batches, then level 1 (one
// batch) and level 2 (one batch). Kill early, late in level 0, and after the
// level-1 batch.
INSTANTIATE_TEST_SUITE_P(Points, MigrationKillTest, ::testing::Values(1, 136, 138));

TEST_F(LayoutMigrationTest, DamagedLegacyStoreIsRefusedAndKept) {
  WriteLegacy({1000});
  ASSERT_TRUE(db_->db->Delete(rocksdb::WriteOptions(), db_->cfs.entries, U64Key(600).slice()).ok());
  MigrationOptions options;
  options.entries_per_batch = 256;
  absl::Status s = EnsureTileLayout(db_->db.get(), db_->cfs, options);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("entry 600 is missing"), std::string::npos) << s.message();
  // Nothing legacy was deleted; the format key is not written.
  EXPECT_TRUE(HasKey(db_->db.get(), db_->cfs.entries, U64Key(599).slice().ToString()));
  EXPECT_TRUE(HasKey(db_->db.get(), db_->cfs.nodes, NodeKey(0, 999).slice().ToString()));
  EXPECT_FALSE(HasKey(db_->db.get(), db_->cfs.nodes, kFormatKey));
  EXPECT_EQ(OpenLog().code(), absl::StatusCode::kDataLoss);
}

TEST_F(LayoutMigrationTest, LegacyStoreWhoseNodesDoNotMatchItsHeadIsRefused) {
  WriteLegacy({10});
  const Hash junk = LeafHash("junk");
  ASSERT_TRUE(db_->db->Put(rocksdb::WriteOptions(), db_->cfs.nodes, NodeKey(3, 0).slice(), HashView(junk)).ok());
  EXPECT_EQ(OpenLog().code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE(HasKey(db_->db.get(), db_->cfs.nodes, kFormatKey));
}

TEST_F(LayoutMigrationTest, UnknownFormatIsRefused) {
  OpenDb();
  ASSERT_TRUE(db_->db->Put(rocksdb::WriteOptions(), db_->cfs.nodes,
                           rocksdb::Slice(kFormatKey.data(), kFormatKey.size()), "tiles.v9")
                  .ok());
  absl::Status s = OpenLog();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("format this version does not read"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace accord::hub::ledger
