// A hub whose RocksDB was tampered with directly (one byte of a stored ledger
// entry changed while it was stopped) still starts and serves; accordctl audit
// catches it online, in an export, and in an inclusion proof.
#include <cstdlib>
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

// Flips one byte of the value at `key` in column family `cf` of the (stopped)
// hub's RocksDB.
void FlipByte(const std::string& db_path, const std::string& cf, const std::string& key) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db_path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), db_path, descriptors, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* entries = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == cf) entries = handles[i];
  }
  ASSERT_NE(entries, nullptr);
  std::string value;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), entries, key, &value).ok());
  value[value.size() / 2] ^= 0x01;
  rocksdb::WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(db->Put(sync, entries, key, value).ok());
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  ASSERT_TRUE(db->Close().ok());
}

// Flips one byte of ledger entry `index`.
void FlipEntryByte(const std::string& db_path, uint64_t index) {
  FlipByte(db_path, "ledger_entries", BigEndian64(index));
}

// The "first bad entry: N" a failed verify names.
int FirstBad(const std::string& out) {
  const size_t at = out.find("first bad entry: ");
  return at == std::string::npos ? -1 : std::atoi(out.c_str() + at + 17);
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
  // only recomputing from the entries shows the change. Online, verify narrows
  // the failing signed interval with inclusion proofs from the hub's stored
  // hashes and names the entry exactly.
  CtlResult r = Ctl({"audit", "verify"}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "first bad entry: 13\n")) << r.out;
  // An export carries no hashes the hub computed before the change, so offline
  // the verifier names the first entry of the signed interval that fails (10
  // when each publish of 10 got its own head; at most 13 however they were
  // batched).
  ASSERT_EQ(Ctl({"audit", "export", "--out", Path("ledger.export")}, true).exit_code, 0);
  r = Ctl({"audit", "verify", "--file", Path("ledger.export")});
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_GE(FirstBad(r.out), 10) << r.out;
  EXPECT_LE(FirstBad(r.out), 13) << r.out;

  // The inclusion proof of the changed entry fails; its neighbours' pass.
  r = Ctl({"audit", "prove", "--index", "13"}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "INCLUSION PROOF FAILED")) << r.out;
  EXPECT_EQ(Ctl({"audit", "prove", "--index", "12"}, true).exit_code, 0);

  // Consistency proofs use only the stored nodes, which were not touched: the
  // pin stays consistent. (That is why partners run verify, not only pins.)
  EXPECT_EQ(Ctl({"audit", "check-consistency", "--pin", Path("hub.pin")}, true).exit_code, 0);
}

// A stored interior Merkle node (level 1 || index, 8 bytes big-endian) changed:
// every entry and signed head is intact, but the proofs through the node are
// wrong. Online verify recomputes every stored node and fails.
TEST_F(AuditCliTest, InteriorNodeChangedInRocksDbFailsOnlineVerify) {
  StartHub("data");
  PublishAndWait(0, 10, 10);
  PublishAndWait(10, 10, 20);
  ASSERT_EQ(Ctl({"audit", "verify"}, true).exit_code, 0);
  hub_->Terminate(10);
  FlipByte(Path("data/db"), "ledger_nodes", std::string(1, '\x01') + BigEndian64(2));  // entries 4 and 5
  StartHub("data", /*submit_agreement=*/false);
  EXPECT_EQ(Ctl({"audit", "prove", "--index", "6"}, true).exit_code, 5) << "a proof through the node fails";
  CtlResult r = Ctl({"audit", "verify"}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "level 1, index 2")) << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, Path("data"))) << "no server path in a client's message";
}

}  // namespace
}  // namespace accord::testing
