#include "ledger_export_file.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/hub/ledger/verify.h"
#include "accord/v1/audit_service.pb.h"
#include "gtest/gtest.h"

namespace accord::ctl {
namespace {

namespace ledger = hub::ledger;

std::string Entry(int i, bool with_dataset) {
  v1::LedgerEntry e;
  e.set_provider("herts-police");
  e.set_recipient("csp-herts-analyst");
  e.set_delivery_id(absl::StrCat("d-", i));
  if (with_dataset) e.set_dataset("police_incident");
  return e.SerializeAsString();
}

// Heads whose timestamps alternate between a fraction of a second and a whole
// second: a whole second has zero nanos, which proto3 leaves off the wire.
// Read back, each head must be exactly the one written (CI once failed an
// untampered `audit verify` when a head's nanos leaked from the previous one).
TEST(LedgerExportFileTest, EveryRecordReadsBackExactlyAsWritten) {
  const std::string dir = ::testing::TempDir() + "/export_roundtrip_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/ledger.export";
  auto pem = ledger::GenerateSigningKeyPem();
  ASSERT_TRUE(pem.ok()) << pem.status();
  auto signer = ledger::TreeHeadSigner::FromPrivatePem(*pem);
  ASSERT_TRUE(signer.ok()) << signer.status();
  auto writer = ExportWriter::Create(path, /*overwrite=*/true);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->WriteHeader((*signer)->public_pem(), "test").ok());

  const std::vector<int64_t> millis = {1'700'000'000'123, 1'700'000'001'000, 1'700'000'001'999,
                                       1'700'000'002'000, 1'700'000'002'000};
  ledger::TreeBuilder tree;
  std::vector<ledger::SignedTreeHead> written;
  for (size_t i = 0; i < millis.size(); ++i) {
    // Entries alternate too: one with a dataset, one without.
    const std::string bytes = Entry(static_cast<int>(i), i % 2 == 0);
    tree.Append(ledger::LeafHash(bytes));
    ASSERT_TRUE((*writer)->WriteEntry(i, bytes).ok());
    auto sth = (*signer)->Sign(ledger::TreeHead{tree.size(), tree.Root(), absl::FromUnixMillis(millis[i])});
    ASSERT_TRUE(sth.ok()) << sth.status();
    written.push_back(*sth);
  }
  for (const auto& h : written) {
    v1::SignedTreeHead proto;
    HeadToProto(h, &proto);
    ASSERT_TRUE((*writer)->WriteHead(proto).ok());
  }
  ASSERT_TRUE((*writer)->Finish().ok());

  auto index = ReadExportIndex(path);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(index->entry_records, millis.size());
  ASSERT_EQ(index->heads.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(index->heads[i].head.timestamp, written[i].head.timestamp) << "head " << i;
    EXPECT_TRUE(index->heads[i] == written[i]) << "head " << i;
    EXPECT_TRUE(ledger::VerifyTreeHead(index->heads[i], (*signer)->public_pem()).ok()) << "head " << i;
  }

  auto entries = ExportEntryReader::Open(path);
  ASSERT_TRUE(entries.ok()) << entries.status();
  for (size_t i = 0; i < millis.size(); ++i) {
    ledger::SourceEntry e;
    auto more = (*entries)->Next(&e);
    ASSERT_TRUE(more.ok() && *more) << i;
    EXPECT_EQ(e.index, i);
    EXPECT_EQ(e.bytes, Entry(static_cast<int>(i), i % 2 == 0)) << "entry " << i;
  }
  ledger::SourceEntry past;
  auto end = (*entries)->Next(&past);
  EXPECT_TRUE(end.ok() && !*end);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace accord::ctl
