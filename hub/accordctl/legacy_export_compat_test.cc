// Partners' exports, heads and proofs stay byte-compatible across the ledger's
// storage change (one key per entry and node -> tiles.v1). The fixture in
// hub/ledger/testdata was written by the code before the change
// (legacy_fixture_gen.cc, built at e879aba): an export, and per signed head the
// root and digests of every inclusion and consistency proof that code served.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "accord/hub/ledger/ledger_db.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/ledger/verify.h"
#include "gtest/gtest.h"
#include "layout_test_util.h"
#include "ledger_export_file.h"
#include "ledger_test_util.h"

namespace accord::ctl {
namespace {

namespace ledger = hub::ledger;

const std::string kDir = std::string(ACCORD_SOURCE_DIR) + "/hub/ledger/testdata";

struct Fixture {
  ExportIndex index;
  std::vector<std::string> entries;
  // Per head size: root, inclusion digest, consistency digest (hex).
  std::map<uint64_t, std::vector<std::string>> sizes;
  // "inclusion i n" / "consistency m n" -> hex hashes.
  std::map<std::string, std::vector<std::string>> samples;
};

Fixture LoadFixture() {
  Fixture f;
  auto index = ReadExportIndex(kDir + "/legacy.export");
  EXPECT_TRUE(index.ok()) << index.status();
  if (!index.ok()) return f;
  f.index = *std::move(index);
  auto reader = ExportEntryReader::Open(kDir + "/legacy.export");
  EXPECT_TRUE(reader.ok()) << reader.status();
  ledger::SourceEntry e;
  while (reader.ok()) {
    auto more = (*reader)->Next(&e);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    EXPECT_EQ(e.index, f.entries.size());
    f.entries.push_back(e.bytes);
  }
  std::ifstream in(kDir + "/legacy.proofs");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (parts[0] == "size") {
      f.sizes[std::stoull(parts[1])] = {parts.begin() + 2, parts.end()};
    } else {
      f.samples[absl::StrCat(parts[0], " ", parts[1], " ", parts[2])] = {parts.begin() + 3, parts.end()};
    }
  }
  return f;
}

std::string Digest(const std::vector<std::vector<ledger::Hash>>& proofs) {
  std::string data;
  for (const auto& proof : proofs) {
    for (const ledger::Hash& h : proof) data.append(reinterpret_cast<const char*>(h.data()), h.size());
    data.push_back('|');
  }
  return ledger::HashToHex(ledger::LeafHash(data));
}

std::vector<std::string> Hex(const std::vector<ledger::Hash>& proof) {
  std::vector<std::string> out;
  for (const ledger::Hash& h : proof) out.push_back(ledger::HashToHex(h));
  return out;
}

// Everything `log` serves for the fixture's heads equals what the legacy code
// served, and every inclusion proof verifies against the legacy SIGNED heads.
void ExpectServesTheFixture(const ledger::MerkleLog& log, const Fixture& f) {
  ASSERT_EQ(log.size(), f.entries.size());
  for (uint64_t i = 0; i < f.entries.size(); ++i) {
    auto e = log.Entry(i);
    ASSERT_TRUE(e.ok());
    ASSERT_EQ(*e, f.entries[i]) << i;
  }
  for (const ledger::SignedTreeHead& head : f.index.heads) {
    const uint64_t n = head.head.tree_size;
    SCOPED_TRACE(n);
    ASSERT_EQ(f.sizes.count(n), 1u);
    const std::vector<std::string>& want = f.sizes.at(n);
    auto root = log.RootAt(n);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(ledger::HashToHex(*root), want[0]);
    EXPECT_EQ(*root, head.head.root);
    std::vector<std::vector<ledger::Hash>> inclusion, consistency;
    for (uint64_t i = 0; i < n; ++i) {
      auto p = log.InclusionProof(i, n);
      ASSERT_TRUE(p.ok());
      ASSERT_TRUE(ledger::VerifyInclusion(i, n, ledger::LeafHash(f.entries[i]), *p, head.head.root).ok()) << i;
      inclusion.push_back(*std::move(p));
    }
    for (uint64_t m = 0; m <= n; ++m) {
      auto p = log.ConsistencyProof(m, n);
      ASSERT_TRUE(p.ok());
      consistency.push_back(*std::move(p));
    }
    EXPECT_EQ(Digest(inclusion), want[1]) << "inclusion proofs differ from the legacy code's";
    EXPECT_EQ(Digest(consistency), want[2]) << "consistency proofs differ from the legacy code's";
  }
  for (const auto& [what, hashes] : f.samples) {
    std::vector<std::string> parts = absl::StrSplit(what, ' ');
    const uint64_t a = std::stoull(parts[1]), b = std::stoull(parts[2]);
    auto p = parts[0] == "inclusion" ? log.InclusionProof(a, b) : log.ConsistencyProof(a, b);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(Hex(*p), hashes) << what;
  }
}

class LegacyExportCompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = LoadFixture();
    ASSERT_EQ(fixture_.entries.size(), 600u);
    ASSERT_EQ(fixture_.index.heads.size(), 8u);
    auto pem = ledger::GenerateSigningKeyPem();
    ASSERT_TRUE(pem.ok());
    auto signer = ledger::TreeHeadSigner::FromPrivatePem(*pem);
    ASSERT_TRUE(signer.ok());
    signer_ = *std::move(signer);
    auto db = ledger::OpenLedgerDbForTest(dir_.path());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  // The fixture's entries, in the batches its heads were signed after.
  std::vector<std::vector<std::string>> Batches() const {
    std::vector<std::vector<std::string>> out;
    uint64_t from = 0;
    for (const auto& h : fixture_.index.heads) {
      out.emplace_back(fixture_.entries.begin() + static_cast<long>(from),
                       fixture_.entries.begin() + static_cast<long>(h.head.tree_size));
      from = h.head.tree_size;
    }
    return out;
  }

  Fixture fixture_;
  ledger::testing::TempDir dir_;
  std::unique_ptr<ledger::TreeHeadSigner> signer_;
  std::unique_ptr<ledger::LedgerDb> db_;
};

// What `accordctl audit verify --file` runs, on the legacy export.
TEST_F(LegacyExportCompatTest, LegacyExportVerifies) {
  auto reader = ExportEntryReader::Open(kDir + "/legacy.export");
  ASSERT_TRUE(reader.ok());
  auto next = [&](ledger::SourceEntry* out) { return (*reader)->Next(out); };
  ledger::VerifyReport report =
      ledger::VerifyEntriesAgainstHeads(next, fixture_.index.heads, fixture_.index.header.public_key_pem());
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries_checked, 600u);
  EXPECT_EQ(report.heads_checked, 8u);
}

// The tile layout, written afresh from the same entries and batches, serves
// the same roots and proofs as the legacy code did.
TEST_F(LegacyExportCompatTest, TileLayoutServesTheLegacyRootsAndProofs) {
  auto log = ledger::MerkleLog::Open(db_->db.get(), db_->cfs, signer_.get());
  ASSERT_TRUE(log.ok()) << log.status();
  absl::Time t = absl::FromUnixSeconds(1800000000);
  size_t h = 0;
  for (const auto& batch : Batches()) {
    auto p = (*log)->Append(batch, t, false);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->head.head.root, fixture_.index.heads[h++].head.root);
  }
  ExpectServesTheFixture(**log, fixture_);
}

// A store written in the legacy layout and migrated at Open serves them too,
// with the legacy heads byte for byte.
TEST_F(LegacyExportCompatTest, MigratedLegacyStoreServesTheLegacyRootsAndProofs) {
  ledger::testing::LegacyLayoutWriter writer;
  size_t h = 0;
  std::vector<ledger::SignedTreeHead> written;
  for (const auto& batch : Batches()) {
    auto head = writer.Append(db_->db.get(), db_->cfs, *signer_, batch, fixture_.index.heads[h++].head.timestamp);
    ASSERT_TRUE(head.ok());
    written.push_back(*head);
  }
  auto log = ledger::MerkleLog::Open(db_->db.get(), db_->cfs, signer_.get());
  ASSERT_TRUE(log.ok()) << log.status();
  auto heads = (*log)->Heads(0, UINT64_MAX);
  ASSERT_TRUE(heads.ok());
  EXPECT_EQ(*heads, written);
  ExpectServesTheFixture(**log, fixture_);
}

}  // namespace
}  // namespace accord::ctl
