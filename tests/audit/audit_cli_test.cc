// accordctl audit end to end, against a real accord-hub process over mTLS:
// export -> offline verify; tampered exports are caught with the first bad
// entry named; pin -> publish -> check-consistency; a hub that rewrote its
// history (same key, new data) is caught by check-consistency.
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "audit_fixture.h"

namespace accord::testing {
namespace {

namespace fs = std::filesystem;

TEST_F(AuditCliTest, ExportVerifiesOfflineAndTamperingIsNamed) {
  StartHub("data");
  PublishAndWait(0, 10, 10);
  PublishAndWait(10, 10, 20);
  PublishAndWait(20, 10, 30);

  CtlResult r = Ctl({"audit", "export", "--out", Path("ledger.export")}, /*hub=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Exported 30 disclosures")) << r.out;
  r = Ctl({"audit", "export", "--out", Path("ledger.export")}, true);
  EXPECT_EQ(r.exit_code, 1) << "refuses to overwrite without --force: " << r.out;
  r = Ctl({"audit", "export", "--out", Path("ledger.export"), "--force", "--json"}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\"entries\": 30")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\"tree_size\": 30")) << r.out;

  // The hub is not needed from here on.
  hub_->Terminate(10);
  r = Ctl({"audit", "verify", "--file", Path("ledger.export")});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Ledger verified: 30 disclosures")) << r.out;

  // --expect-key: the hub's real key passes, any other key fails.
  const auto records = ReadExportRecords(Path("ledger.export"));
  ASSERT_TRUE(records.at(0).has_header());
  { std::ofstream(Path("hub-ledger.pub")) << records[0].header().public_key_pem(); }
  r = Ctl(
      {"audit", "verify", "--file", Path("ledger.export"), "--expect-key", Path("hub-ledger.pub"), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\"ok\": true")) << r.out;
  ASSERT_EQ(Ctl({"keygen", "--out", Path("other")}).exit_code, 0);
  r = Ctl({"audit", "verify", "--file", Path("ledger.export"), "--expect-key", Path("other.pub")});
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "not the one you expect")) << r.out;

  auto expect_first_bad = [&](const std::vector<v1::LedgerExportRecord>& tampered, uint64_t first_bad,
                              const std::string& what) {
    WriteExportRecords(Path("tampered.export"), tampered);
    CtlResult t = Ctl({"audit", "verify", "--file", Path("tampered.export")});
    EXPECT_EQ(t.exit_code, 5) << what << ": " << t.out;
    EXPECT_TRUE(absl::StrContains(t.out, "LEDGER VERIFICATION FAILED")) << what << ": " << t.out;
    EXPECT_TRUE(absl::StrContains(t.out, absl::StrCat("first bad entry: ", first_bad, "\n")))
        << what << ": " << t.out;
  };

  {  // One byte of entry 17 changed.
    auto t = records;
    std::string* bytes = t[EntryPosition(t, 17)].mutable_entry()->mutable_entry_bytes();
    (*bytes)[bytes->size() / 2] ^= 0x01;
    expect_first_bad(t, 17, "changed byte");
  }
  {  // Entry 12 deleted.
    auto t = records;
    t.erase(t.begin() + EntryPosition(t, 12));
    expect_first_bad(t, 12, "deleted entry");
  }
  {  // Entries 5 and 6 swapped.
    auto t = records;
    std::swap(t[EntryPosition(t, 5)], t[EntryPosition(t, 6)]);
    expect_first_bad(t, 5, "swapped entries");
  }
  {  // Only the contents of entries 21 and 24 swapped, indexes kept.
    auto t = records;
    std::swap(*t[EntryPosition(t, 21)].mutable_entry()->mutable_entry_bytes(),
              *t[EntryPosition(t, 24)].mutable_entry()->mutable_entry_bytes());
    expect_first_bad(t, 21, "swapped contents");
  }
  {  // A copy of entry 8 inserted after it under the repeated index 8.
    auto t = records;
    const size_t at = EntryPosition(t, 8);
    t.insert(t.begin() + at + 1, t[at]);
    expect_first_bad(t, 9, "inserted entry");
  }
  {  // An entry appended beyond every signed head.
    auto t = records;
    const size_t last = EntryPosition(t, 29);
    v1::LedgerExportRecord extra = t[last];
    extra.mutable_entry()->set_index(30);
    t.insert(t.begin() + last + 1, extra);
    expect_first_bad(t, 30, "unsigned entry");
  }
  {  // The last 5 entries dropped (truncated).
    auto t = records;
    t.erase(t.begin() + EntryPosition(t, 25), t.begin() + EntryPosition(t, 29) + 1);
    expect_first_bad(t, 25, "truncated");
  }
  {  // A head forged: its root changed (the signature no longer verifies).
    auto t = records;
    for (auto& rec : t) {
      if (rec.has_head()) {
        (*rec.mutable_head()->mutable_root_hash())[0] ^= 0x01;
        break;
      }
    }
    WriteExportRecords(Path("tampered.export"), t);
    CtlResult v = Ctl({"audit", "verify", "--file", Path("tampered.export")});
    EXPECT_EQ(v.exit_code, 5) << v.out;
  }
  {  // The file cut short in the middle of a record.
    fs::copy_file(Path("ledger.export"), Path("cut.export"));
    fs::resize_file(Path("cut.export"), fs::file_size(Path("cut.export")) - 7);
    CtlResult v = Ctl({"audit", "verify", "--file", Path("cut.export")});
    EXPECT_EQ(v.exit_code, 5) << v.out;
    EXPECT_TRUE(absl::StrContains(v.out, "cut short")) << v.out;
  }
  // Not an export at all (2, invalid document) or missing (1): not "tampered".
  EXPECT_EQ(Ctl({"audit", "verify", "--file", Path("hub-ledger.pub")}).exit_code, 2);
  EXPECT_EQ(Ctl({"audit", "verify", "--file", Path("missing.export")}).exit_code, 1);
}

TEST_F(AuditCliTest, OnlineVerifyAndInclusionProofs) {
  StartHub("data");
  PublishAndWait(0, 10, 10);
  PublishAndWait(10, 5, 15);
  CtlResult r = Ctl({"audit", "verify"}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Ledger verified: 15 disclosures")) << r.out;

  r = Ctl({"audit", "prove", "--index", "3"}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Entry 3 is in the ledger")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "herts-police -> csp-herts-analyst")) << r.out;
  r = Ctl({"audit", "prove", "--index", "14", "--json"}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\"ok\": true")) << r.out;
  // Against the first head (size 10): entry 12 is not in it.
  r = Ctl({"audit", "prove", "--index", "2", "--tree-size", "10"}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(Ctl({"audit", "prove", "--index", "12", "--tree-size", "10"}, true).exit_code, 1);
  EXPECT_EQ(Ctl({"audit", "prove", "--index", "99"}, true).exit_code, 1);
  // Heads that are not signed by the key the caller expects fail as tampering.
  ASSERT_EQ(Ctl({"keygen", "--out", Path("other")}).exit_code, 0);
  r = Ctl({"audit", "prove", "--index", "3", "--expect-key", Path("other.pub")}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  r = Ctl({"audit", "verify", "--expect-key", Path("other.pub")}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
}

// Exports, pins and proofs taken while the hub keeps appending are each
// consistent with themselves and with what follows.
TEST_F(AuditCliTest, ExportWhileAppendingVerifies) {
  StartHub("data");
  PublishAndWait(0, 10, 10);
  std::thread more([&] {
    for (int batch = 1; batch <= 8; ++batch) PublishAndWait(batch * 10, 10, (batch + 1) * 10);
  });
  int exports = 0;
  for (int i = 0; i < 4; ++i) {
    const std::string file = Path(absl::StrCat("live", i, ".export"));
    CtlResult r = Ctl({"audit", "export", "--out", file}, true);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    r = Ctl({"audit", "verify", "--file", file});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    ++exports;
    r = Ctl({"audit", "pin", "--out", Path("live.pin"), "--force"}, true);
    EXPECT_EQ(r.exit_code, 0) << r.out;
  }
  more.join();
  EXPECT_EQ(exports, 4);
  CtlResult r = Ctl({"audit", "check-consistency", "--pin", Path("live.pin")}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = Ctl({"audit", "verify", "--pin", Path("live.pin")}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "Ledger verified: 90 disclosures")) << r.out;
}

TEST_F(AuditCliTest, PinThenCheckConsistencyCatchesRewrittenHistory) {
  StartHub("data");
  PublishAndWait(0, 10, 10);
  CtlResult r = Ctl({"audit", "pin", "--out", Path("hub.pin")}, true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(ReadFileOrDie(Path("hub.pin")), "\"tree_size\": 10"))
      << ReadFileOrDie(Path("hub.pin"));
  EXPECT_EQ(Ctl({"audit", "pin", "--out", Path("hub.pin")}, true).exit_code, 1)
      << "no overwrite without --force";
  r = Ctl({"audit", "pin", "--out", Path("json.pin"), "--json"}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\"tree_size\": 10")) << r.out;

  // The hub grows honestly: consistent.
  PublishAndWait(10, 10, 20);
  r = Ctl({"audit", "check-consistency", "--pin", Path("hub.pin")}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "grew from 10 to 20 entries")) << r.out;
  r = Ctl({"audit", "verify", "--pin", Path("hub.pin")}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = Ctl({"audit", "prove", "--index", "4", "--pin", Path("hub.pin")}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "tree head of size 10")) << r.out;
  r = Ctl({"audit", "prove", "--index", "15", "--pin", Path("hub.pin"), "--tree-size", "20"}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // A second pin, moved forward with --update, stays consistent.
  ASSERT_EQ(Ctl({"audit", "pin", "--out", Path("later.pin")}, true).exit_code, 0);
  r = Ctl({"audit", "check-consistency", "--pin", Path("later.pin"), "--update", "--json"}, true);
  EXPECT_EQ(r.exit_code, 0) << r.out;

  // A pin file altered by hand no longer verifies.
  {
    std::string pin = ReadFileOrDie(Path("hub.pin"));
    const size_t at = pin.find("\"tree_size\": 10");
    ASSERT_NE(at, std::string::npos);
    pin.replace(at, 15, "\"tree_size\": 11");
    std::ofstream(Path("edited.pin")) << pin;
    r = Ctl({"audit", "check-consistency", "--pin", Path("edited.pin")}, true);
    EXPECT_EQ(r.exit_code, 5) << r.out;
  }

  // The operator rewrites history: same ledger key, a fresh data dir, a
  // different set of disclosures, re-signed. Longer than the pin...
  hub_->Terminate(10);
  fs::create_directories(Path("rewritten"));
  fs::copy(Path("data/keys"), Path("rewritten/keys"), fs::copy_options::recursive);
  StartHub("rewritten");
  PublishAndWait(100, 25, 25);
  r = Ctl({"audit", "check-consistency", "--pin", Path("hub.pin")}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "LEDGER HISTORY REWRITTEN")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "does not extend the head you pinned")) << r.out;
  // ... and verify still passes on its own (the rewrite is self-consistent),
  // but not with the pinned head, online or on an export.
  EXPECT_EQ(Ctl({"audit", "verify"}, true).exit_code, 0);
  r = Ctl({"audit", "verify", "--pin", Path("hub.pin")}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  ASSERT_EQ(Ctl({"audit", "export", "--out", Path("rewritten.export")}, true).exit_code, 0);
  r = Ctl({"audit", "verify", "--file", Path("rewritten.export"), "--pin", Path("hub.pin")});
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "LEDGER VERIFICATION FAILED")) << r.out;

  // ... or shorter than the pin.
  hub_->Terminate(10);
  fs::create_directories(Path("shorter"));
  fs::copy(Path("data/keys"), Path("shorter/keys"), fs::copy_options::recursive);
  StartHub("shorter");
  PublishAndWait(200, 5, 5);
  r = Ctl({"audit", "check-consistency", "--pin", Path("hub.pin")}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "entries were removed")) << r.out;

  // A hub with a different ledger key is not the pinned log.
  hub_->Terminate(10);
  StartHub("new-key");
  PublishAndWait(300, 12, 12);
  r = Ctl({"audit", "check-consistency", "--pin", Path("hub.pin")}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "not signed by the pinned ledger key")) << r.out;
  r = Ctl({"audit", "prove", "--index", "1", "--pin", Path("hub.pin"), "--tree-size", "12"}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "not signed by the pinned ledger key")) << r.out;
  r = Ctl({"audit", "verify", "--pin", Path("hub.pin")}, true);
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "is from log")) << r.out;
}

}  // namespace
}  // namespace accord::testing
