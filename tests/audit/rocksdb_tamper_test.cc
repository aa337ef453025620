// A hub whose RocksDB was tampered with directly (one byte of a stored ledger
// entry changed while it was stopped) still starts and serves; accordctl audit
// catches it online (verify and export name the entry) and in an inclusion proof.
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "audit_fixture.h"
#include "rocksdb/db.h"

namespace accord::testing {
namespace {

std::string BigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

// Opens the (stopped) hub's RocksDB, lets `change` rewrite the value at
// `key` in column family `cf`, and writes it back.
void Rewrite(const std::string& db_path, const std::string& cf, const std::string& key,
             const std::function<void(std::string*)>& change) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db_path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), db_path, descriptors, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* family = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == cf) family = handles[i];
  }
  ASSERT_NE(family, nullptr);
  std::string value;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), family, key, &value).ok());
  change(&value);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(db->Put(sync, family, key, value).ok());
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  ASSERT_TRUE(db->Close().ok());
}

// Flips one byte of ledger entry `index` (< 256). Entries are stored in
// bundles of 256 under 'b' || bundle (8 BE), each entry a 4-byte big-endian
// length and its bytes (hub/ledger/README.md, "Storage layout").
void FlipEntryByte(const std::string& db_path, uint64_t index) {
  Rewrite(db_path, "ledger_entries", "b" + BigEndian64(index / 256), [&](std::string* bundle) {
    size_t at = 0;
    for (uint64_t i = 0; i < index % 256; ++i) {
      ASSERT_LE(at + 4, bundle->size());
      const auto* p = reinterpret_cast<const uint8_t*>(bundle->data() + at);
      at += 4 + ((size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3]);
    }
    ASSERT_LE(at + 4, bundle->size());
    const auto* p = reinterpret_cast<const uint8_t*>(bundle->data() + at);
    const size_t len = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
    ASSERT_GT(len, 0u);
    (*bundle)[at + 4 + len / 2] ^= 0x01;
  });
}

TEST_F(AuditCliTest, EntryChangedInRocksDbIsCaughtOnlineInExportsAndProofs) {
  StartHub("data");
  PublishAndWait(0, 10, 10);
  PublishAndWait(10, 10, 20);
  PublishAndWait(20, 10, 30);
  {
    const CtlResult untouched = Ctl({"audit", "verify"}, true);
    ASSERT_EQ(untouched.exit_code, 0) << untouched.out;
  }
  ASSERT_EQ(Ctl({"audit", "pin", "--out", Path("hub.pin")}, true).exit_code, 0);

  hub_->Terminate(10);
  FlipEntryByte(Path("data/db"), 13);
  StartHub("data", /*submit_agreement=*/false);

  // The hub's leaf hashes and nodes are intact, so the signed roots are too:
  // only recomputing from the entries shows the change. Online, the hub
  // compares each stored leaf hash with its entry as it exports, and names
  // the entry exactly.
  CtlResult r = Ctl({"audit", "verify"}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "leaf hash of entry 13 ")) << r.out;
  // The hub checks each stored leaf hash against its entry while it
  // exports, so it refuses to hand out the damaged ledger as if it were
  // whole: the export fails naming the entry (never its bytes), and the
  // operator is told to restore from a backup.
  r = Ctl({"audit", "export", "--out", Path("ledger.export")}, true);
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "leaf hash of entry 13")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(Path("ledger.export"))) << "no partial export is left behind";

  // The inclusion proof of the changed entry fails; its neighbours' pass.
  r = Ctl({"audit", "prove", "--index", "13"}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "INCLUSION PROOF FAILED")) << r.out;
  EXPECT_EQ(Ctl({"audit", "prove", "--index", "12"}, true).exit_code, 0);

  // Consistency proofs use only the stored nodes, which were not touched: the
  // pin stays consistent. (That is why partners run verify, not only pins.)
  EXPECT_EQ(Ctl({"audit", "check-consistency", "--pin", Path("hub.pin")}, true).exit_code, 0);
}

// A stored hash changed: every entry and signed head is intact, but the
// proofs through it are wrong. Hashes are stored in tiles of 256 under
// 't' || tile level (1) || tile (8 BE); this flips the middle byte of the full
// level-0 tile 0 (leaf hash 128). Online verify recomputes every stored hash
// above the leaves (here the level-8 hash over tile 0) and fails.
TEST_F(AuditCliTest, StoredTileHashChangedInRocksDbFailsOnlineVerify) {
  StartHub("data");
  PublishAndWait(0, 300, 300);
  ASSERT_EQ(Ctl({"audit", "verify"}, true).exit_code, 0);
  hub_->Terminate(10);
  Rewrite(Path("data/db"), "ledger_nodes", std::string("t") + std::string(1, '\0') + BigEndian64(0),
          [](std::string* tile) {
            ASSERT_EQ(tile->size(), 256u * 32);
            (*tile)[tile->size() / 2] ^= 0x01;
          });
  StartHub("data", /*submit_agreement=*/false);
  EXPECT_EQ(Ctl({"audit", "prove", "--index", "6"}, true).exit_code, 5) << "a proof through the hash fails";
  EXPECT_EQ(Ctl({"audit", "prove", "--index", "290"}, true).exit_code, 0) << "other tiles are intact";
  CtlResult r = Ctl({"audit", "verify"}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  // The flipped byte is inside leaf 128's stored hash: the online check
  // compares every stored leaf with its entry.
  EXPECT_TRUE(absl::StrContains(r.out, "leaf hash of entry 128")) << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, Path("data"))) << "no server path in a client's message";
}

}  // namespace
}  // namespace accord::testing
