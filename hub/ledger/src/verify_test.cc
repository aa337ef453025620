#include "accord/hub/ledger/verify.h"
#include "accord/hub/ledger/stored_nodes.h"

#include <string>
#include <vector>

#include "accord/hub/ledger/ledger_db.h"
#include "accord/hub/ledger/merkle_log.h"
#include "gtest/gtest.h"
#include "keys.h"
#include "layout_test_util.h"
#include "ledger_test_util.h"
#include "tiles.h"

namespace accord::hub::ledger {
namespace {

using testing::SampleEntry;
using testing::TempDir;

std::unique_ptr<TreeHeadSigner> NewSigner() {
  auto pem = GenerateSigningKeyPem();
  if (!pem.ok()) std::abort();
  auto signer = TreeHeadSigner::FromPrivatePem(*pem);
  if (!signer.ok()) std::abort();
  return *std::move(signer);
}

// ---- The pure verifier over in-memory entries. ----

class VerifyEntriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_ = NewSigner();
    for (int i = 0; i < 100; ++i) entries_.push_back(SampleEntry(i));
    TreeBuilder b;
    absl::Time t = absl::FromUnixSeconds(1700000000);
    for (size_t i = 0; i < entries_.size(); ++i) {
      b.Append(LeafHash(entries_[i]));
      if (b.size() % 10 == 0 || b.size() == 7) {
        t += absl::Seconds(1);
        auto sth = signer_->Sign(TreeHead{b.size(), b.Root(), t});
        ASSERT_TRUE(sth.ok());
        heads_.push_back(*sth);
      }
    }
  }

  // Entries with their index and (optionally) the honest stored leaf hashes.
  VerifyReport Run(const std::vector<SourceEntry>& source) {
    size_t pos = 0;
    auto next = [&](SourceEntry* out) -> absl::StatusOr<bool> {
      if (pos == source.size()) return false;
      *out = source[pos++];
      return true;
    };
    return VerifyEntriesAgainstHeads(next, heads_, signer_->public_pem());
  }

  std::vector<SourceEntry> Source(bool with_stored_hashes) const {
    std::vector<SourceEntry> out;
    for (size_t i = 0; i < entries_.size(); ++i) {
      SourceEntry e{i, entries_[i], std::nullopt};
      if (with_stored_hashes) e.stored_leaf_hash = LeafHash(entries_[i]);
      out.push_back(e);
    }
    return out;
  }

  std::unique_ptr<TreeHeadSigner> signer_;
  std::vector<std::string> entries_;
  std::vector<SignedTreeHead> heads_;
};

TEST_F(VerifyEntriesTest, IntactLogVerifies) {
  VerifyReport r = Run(Source(true));
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries_checked, 100u);
  EXPECT_EQ(r.heads_checked, 11u);
  r = Run(Source(false));
  EXPECT_TRUE(r.ok) << r.problem;
}

TEST_F(VerifyEntriesTest, AlteredEntryIsNamedExactlyWithStoredHashes) {
  auto source = Source(true);
  source[43].bytes[5] ^= 0x01;
  VerifyReport r = Run(source);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 43u) << r.problem;
  EXPECT_FALSE(r.interval_end.has_value()) << "exact, not an interval";
  // Without stored leaf hashes, the head interval is named: [40, 50).
  source = Source(false);
  source[43].bytes[5] ^= 0x01;
  r = Run(source);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 40u) << r.problem;
  EXPECT_EQ(r.interval_end, 50u) << r.problem;
  EXPECT_NE(r.problem.find("[40, 50)"), std::string::npos) << r.problem;
}

TEST_F(VerifyEntriesTest, InsertedEntryShiftsEverythingAfterIt) {
  // An entry inserted at 61 with the rest renumbered (an export rewritten).
  auto source = Source(false);
  source.insert(source.begin() + 61, SourceEntry{61, "forged", std::nullopt});
  for (size_t i = 62; i < source.size(); ++i) source[i].index = i;
  VerifyReport r = Run(source);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 60u) << r.problem;
  // Inserted under a repeated index: named exactly.
  source = Source(false);
  source.insert(source.begin() + 61, SourceEntry{60, "forged", std::nullopt});
  r = Run(source);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 61u) << r.problem;
}

TEST_F(VerifyEntriesTest, ReorderedAndRemovedEntries) {
  auto source = Source(true);
  std::swap(source[12].bytes, source[17].bytes);
  VerifyReport r = Run(source);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 12u) << r.problem;

  source = Source(true);
  source.erase(source.begin() + 33);
  r = Run(source);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 33u) << r.problem;
  EXPECT_NE(r.problem.find("missing"), std::string::npos) << r.problem;
}

TEST_F(VerifyEntriesTest, TruncatedAndUnsignedTails) {
  auto source = Source(true);
  source.resize(95);
  VerifyReport r = Run(source);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 95u) << r.problem;
  EXPECT_NE(r.problem.find("truncated"), std::string::npos) << r.problem;

  source = Source(true);
  source.push_back(SourceEntry{100, "unsigned", std::nullopt});
  r = Run(source);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 100u) << r.problem;
}

TEST_F(VerifyEntriesTest, AlteredStoredLeafHashIsReported) {
  auto source = Source(true);
  (*source[71].stored_leaf_hash)[0] ^= 1;
  VerifyReport r = Run(source);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 71u);
  EXPECT_NE(r.problem.find("stored leaf hash"), std::string::npos) << r.problem;
}

TEST_F(VerifyEntriesTest, BadHeads) {
  // Forged with another key.
  auto forger = NewSigner();
  auto forged = forger->Sign(heads_[3].head);
  ASSERT_TRUE(forged.ok());
  heads_.push_back(*forged);
  VerifyReport r = Run(Source(true));
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.first_bad_index.has_value());
  EXPECT_NE(r.problem.find("head at size 30"), std::string::npos) << r.problem;
  heads_.pop_back();

  // Fork: the same key signed two roots for size 20.
  auto fork = signer_->Sign(TreeHead{20, LeafHash("other"), heads_[2].head.timestamp});
  ASSERT_TRUE(fork.ok());
  heads_.push_back(*fork);
  r = Run(Source(true));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("forked"), std::string::npos) << r.problem;
  heads_.pop_back();

  // Time going backwards.
  auto early = signer_->Sign(TreeHead{heads_[5].head.tree_size, heads_[5].head.root,
                                      absl::FromUnixSeconds(1600000000)});
  ASSERT_TRUE(early.ok());
  heads_[5] = *early;
  r = Run(Source(true));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("older"), std::string::npos) << r.problem;
}

// ---- Tampering with RocksDB directly. ----

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_ = NewSigner();
    Open();
    absl::Time t = absl::FromUnixSeconds(1700000000);
    // Heads at 1000, 2000, ..., 5000 (+ a 7-entry one first).
    for (int size : {7, 1000, 2000, 3000, 4000, 5000}) {
      std::vector<std::string> batch;
      for (uint64_t i = log_->size(); i < static_cast<uint64_t>(size); ++i) {
        batch.push_back(SampleEntry(i));
      }
      t += absl::Seconds(1);
      auto pending = log_->Append(batch, t, /*sync=*/false);
      ASSERT_TRUE(pending.ok()) << pending.status();
    }
    pinned_ = log_->LatestHead();
  }

  void Open() {
    log_.reset();
    db_.reset();
    auto db = OpenLedgerDbForTest(dir_.path());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    auto log = MerkleLog::Open(db_->db.get(), db_->cfs, signer_.get());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  VerifyReport Verify(absl::Span<const SignedTreeHead> pinned = {}) {
    return VerifyStoredLog(db_->db.get(), db_->cfs, signer_->public_pem(), pinned);
  }

  // The check a client does with one entry: recompute the leaf from the entry
  // bytes, fetch an inclusion proof, verify against the pinned signed head.
  absl::Status CheckEntry(uint64_t index) {
    auto entry = log_->Entry(index);
    if (!entry.ok()) return entry.status();
    auto proof = log_->InclusionProof(index, pinned_.head.tree_size);
    if (!proof.ok()) return proof.status();
    return VerifyInclusion(index, pinned_.head.tree_size, LeafHash(*entry), *proof,
                           pinned_.head.root);
  }

  std::string Get(uint64_t index) { return testing::StoredEntry(db_->db.get(), db_->cfs, index); }
  void Put(uint64_t index, const std::string& v) {
    ASSERT_TRUE(testing::PutStoredEntry(db_->db.get(), db_->cfs, index, v));
  }

  TempDir dir_;
  std::unique_ptr<TreeHeadSigner> signer_;
  std::unique_ptr<LedgerDb> db_;
  std::unique_ptr<MerkleLog> log_;
  SignedTreeHead pinned_;
};

TEST_F(TamperTest, IntactLogVerifies) {
  VerifyReport r = Verify({&pinned_, 1});
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries_checked, 5000u);
  EXPECT_EQ(r.heads_checked, 7u);
  EXPECT_TRUE(CheckEntry(2345).ok());
}

TEST_F(TamperTest, ChangedByteOfAnEntry) {
  std::string e = Get(2345);
  e[100] ^= 0x20;
  Put(2345, e);
  EXPECT_FALSE(CheckEntry(2345).ok());
  EXPECT_TRUE(CheckEntry(2344).ok());
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 2345u) << r.problem;
}

// An entry cut out of its bundle: the rest of the bundle moves up one index,
// and the stored leaf hashes name the removed one.
TEST_F(TamperTest, DeletedEntry) {
  ASSERT_TRUE(testing::RemoveStoredEntry(db_->db.get(), db_->cfs, 1500));
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 1500u) << r.problem;
  EXPECT_NE(r.problem.find("missing"), std::string::npos) << r.problem;
  // Entries past the shortened bundle's end are gone for readers too.
  EXPECT_EQ(log_->Entry(1535).status().code(), absl::StatusCode::kDataLoss);
}

// A whole bundle deleted: its 256 entries are missing, named from the first.
TEST_F(TamperTest, DeletedBundle) {
  ASSERT_TRUE(db_->db->Delete(rocksdb::WriteOptions(), db_->cfs.entries, BundleKey(1500 / 256).slice()).ok());
  EXPECT_EQ(log_->Entry(1500).status().code(), absl::StatusCode::kDataLoss);
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 1280u) << r.problem;
  EXPECT_NE(r.problem.find("entry 1280 is missing"), std::string::npos) << r.problem;
}

// A bundle whose bytes no longer parse.
TEST_F(TamperTest, MalformedBundle) {
  ASSERT_TRUE(db_->db->Put(rocksdb::WriteOptions(), db_->cfs.entries, BundleKey(3).slice(), std::string("\x00\x00\x01", 3)).ok());
  EXPECT_EQ(log_->Entry(800).status().code(), absl::StatusCode::kDataLoss);
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("entry bundle 3 (entries from 768) is malformed"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, SwappedEntries) {
  const std::string a = Get(3100);
  const std::string b = Get(3999);
  Put(3100, b);
  Put(3999, a);
  EXPECT_FALSE(CheckEntry(3100).ok());
  EXPECT_FALSE(CheckEntry(3999).ok());
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 3100u) << r.problem;
}

TEST_F(TamperTest, TruncatedAndResignedWithTheSameKey) {
  // Roll the log back to its head at 3000: drop later entries, hashes and
  // heads, and cut the partial bundle and tiles back to what size 3000 had.
  const uint64_t k = 3000;
  rocksdb::WriteBatch cut;
  ASSERT_TRUE(cut.DeleteRange(db_->cfs.entries, BundleKey(k / 256 + 1).slice(), BundleKey(UINT64_MAX).slice()).ok());
  ASSERT_TRUE(cut.DeleteRange(db_->cfs.heads, U64Key(k + 1).slice(), U64Key(UINT64_MAX).slice()).ok());
  for (uint32_t level = 0; HashesAtTileLevel(5000, level) > 0; ++level) {
    const uint64_t keep = HashesAtTileLevel(k, level);
    ASSERT_TRUE(cut.DeleteRange(db_->cfs.nodes, TileKey(level, keep / 256 + 1).slice(),
                                TileKey(level + 1, 0).slice())
                    .ok());
    std::string tile;
    ASSERT_TRUE(db_->db->Get(rocksdb::ReadOptions(), db_->cfs.nodes, TileKey(level, keep / 256).slice(), &tile).ok());
    if (keep % 256 == 0) {
      ASSERT_TRUE(cut.Delete(db_->cfs.nodes, TileKey(level, keep / 256).slice()).ok());
    } else {
      ASSERT_TRUE(cut.Put(db_->cfs.nodes, TileKey(level, keep / 256).slice(), tile.substr(0, keep % 256 * 32)).ok());
    }
  }
  std::vector<std::string> partial = testing::BundleEntries(db_->db.get(), db_->cfs, k / 256);
  partial.resize(k % 256);
  std::string bundle;
  for (const std::string& e : partial) AppendToBundle(e, &bundle);
  ASSERT_TRUE(cut.Put(db_->cfs.entries, BundleKey(k / 256).slice(), bundle).ok());
  ASSERT_TRUE(db_->db->Write(rocksdb::WriteOptions(), &cut).ok());
  Open();
  ASSERT_EQ(log_->size(), k);

  // Truncated only: the pinned head is longer than the log.
  VerifyReport r = Verify({&pinned_, 1});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, k) << r.problem;
  // A partner's check-consistency cannot even get a proof from its head.
  EXPECT_FALSE(log_->ConsistencyProof(pinned_.head.tree_size, log_->size()).ok());
  EXPECT_EQ(log_->HeadAt(pinned_.head.tree_size).status().code(), absl::StatusCode::kNotFound);

  // Re-extended with other entries and re-signed with the same key.
  std::vector<std::string> rewrite;
  for (uint64_t i = k; i < 6000; ++i) rewrite.push_back(SampleEntry(i) + "!");
  ASSERT_TRUE(log_->Append(rewrite, absl::FromUnixSeconds(1800000000), false).ok());
  const SignedTreeHead now = log_->LatestHead();
  ASSERT_TRUE(VerifyTreeHead(now, signer_->public_pem()).ok());
  // On its own the rewritten log is self-consistent...
  EXPECT_TRUE(Verify().ok);
  // ...but not with the head the partner pinned.
  auto proof = log_->ConsistencyProof(pinned_.head.tree_size, now.head.tree_size);
  ASSERT_TRUE(proof.ok());
  EXPECT_FALSE(VerifyConsistency(pinned_.head.tree_size, now.head.tree_size, pinned_.head.root,
                                 now.head.root, *proof)
                   .ok());
  r = Verify({&pinned_, 1});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("size 5000"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, HeadForgedWithAnotherKey) {
  auto forger = NewSigner();
  SignedTreeHead latest = log_->LatestHead();
  auto forged = forger->Sign(latest.head);
  ASSERT_TRUE(forged.ok());
  EXPECT_FALSE(VerifyTreeHead(*forged, signer_->public_pem()).ok());
  forged->log_id = latest.log_id;  // claim to be the hub
  EXPECT_EQ(VerifyTreeHead(*forged, signer_->public_pem()).code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(db_->db
                  ->Put(rocksdb::WriteOptions(), db_->cfs.heads, U64Key(5000).slice(),
                        SerializeSignedTreeHead(*forged))
                  .ok());
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("head at size 5000"), std::string::npos) << r.problem;
  EXPECT_FALSE(r.first_bad_index.has_value());
}

// A stored hash (what inclusion and consistency proofs are read from)
// changed: the entries and signed heads still verify, the proofs through it
// do not, so verification must recompute and compare every stored hash. Leaf
// 130 sits in the full level-0 tile 0, under the level-8 hash 0.
TEST_F(TamperTest, ChangedLeafHashInAFullTileFailsVerification) {
  ASSERT_TRUE(testing::FlipStoredHash(db_->db.get(), db_->cfs, 0, 130));
  EXPECT_FALSE(CheckEntry(129).ok()) << "the proof through leaf 130 is wrong";
  EXPECT_TRUE(CheckEntry(2345).ok()) << "other tiles are intact";
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_index, 130u) << r.problem;  // the stored leaf no longer matches its entry

  StoredNodeCheck check(db_->db.get(), db_->cfs.nodes);
  absl::Status s;
  while (s.ok() && check.size() < 5000) s = check.Next();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("level 8, index 0 (tile 1/0)"), std::string::npos) << s.message();
  EXPECT_EQ(check.size(), 256u) << "found as soon as the tile is complete";
}

// A hash of a level-1 tile (tree level 8) changed: every entry and leaf hash
// is intact, only the recomputation of stored interior hashes finds it.
TEST_F(TamperTest, ChangedInteriorTileHashFailsVerification) {
  ASSERT_TRUE(testing::FlipStoredHash(db_->db.get(), db_->cfs, 1, 3));  // entries [768, 1024)
  EXPECT_FALSE(CheckEntry(100).ok()) << "the proof through it is wrong";
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("level 8, index 3"), std::string::npos) << r.problem;
  EXPECT_NE(r.problem.find("does not match the stored hashes below it"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, MissingStoredTileFailsVerification) {
  ASSERT_TRUE(db_->db->Delete(rocksdb::WriteOptions(), db_->cfs.nodes, TileKey(0, 4).slice()).ok());
  EXPECT_FALSE(CheckEntry(1100).ok());
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("level 0, index 1024 (tile 0/4) is missing"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, LegacyLayoutIsNotVerifiedAsTiles) {
  ASSERT_TRUE(db_->db->Delete(rocksdb::WriteOptions(), db_->cfs.nodes, rocksdb::Slice(kFormatKey.data(), kFormatKey.size())).ok());
  VerifyReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("legacy layout"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, StoredNodeCheckPassesAnIntactLog) {
  StoredNodeCheck check(db_->db.get(), db_->cfs.nodes);
  for (uint64_t i = 0; i < 5000; ++i) ASSERT_TRUE(check.Next().ok()) << i;
  StoredNodeCheck with_entries(db_->db.get(), db_->cfs.nodes);
  for (uint64_t i = 0; i < 5000; ++i) ASSERT_TRUE(with_entries.Next(SampleEntry(i)).ok()) << i;
}

// A leaf of the partial level-0 tile (entries 4864..4999) has no stored hash
// above it yet; given the entries, the check still finds it (the hub's
// online verify does so while it runs).
TEST_F(TamperTest, ChangedLeafHashInThePartialTileFailsTheCheckWithEntries) {
  ASSERT_TRUE(testing::FlipStoredHash(db_->db.get(), db_->cfs, 0, 4990));
  StoredNodeCheck without(db_->db.get(), db_->cfs.nodes);
  absl::Status s;
  while (s.ok() && without.size() < 5000) s = without.Next();
  EXPECT_TRUE(s.ok()) << "no stored hash above it: only the entry can tell";
  StoredNodeCheck check(db_->db.get(), db_->cfs.nodes);
  s = absl::OkStatus();
  while (s.ok() && check.size() < 5000) s = check.Next(SampleEntry(check.size()));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("leaf hash of entry 4990 (tile 0/19)"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace accord::hub::ledger
