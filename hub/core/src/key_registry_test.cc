// KeyRegistry: Propose*() checks without applying, Commit() applies in the
// order it is given, so processes that commit the journal's events in order
// hold the same key log (the same root), and conflicting changes asked of two
// processes at once resolve alike everywhere.
#include "accord/hub/core/key_registry.h"

#include "core_test_util.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

using testing::OpenDb;
using testing::TempDir;

v1::RegisterKeyRequest Request(const std::string& agency) {
  auto pair = policy::GenerateEd25519KeyPair();
  EXPECT_TRUE(pair.ok());
  v1::RegisterKeyRequest req;
  req.set_agency(agency);
  req.set_public_key_pem(pair->public_pem);
  auto proof = policy::SignKeyRegistration(agency, pair->private_pem);
  EXPECT_TRUE(proof.ok());
  req.set_proof_of_possession(*proof);
  return req;
}

// One hub process: its own database, the shared log signing seed.
struct Process {
  explicit Process(const std::string& name) {
    db = OpenDb(dir.path());
    KeyRegistryOptions options;
    options.log_signing_seed = std::string(32, 's');
    options.hub_instance = name;
    auto opened = KeyRegistry::Open(db.get(), options);
    EXPECT_TRUE(opened.ok()) << opened.status();
    keys = std::move(opened).value();
  }
  std::pair<uint64_t, std::string> Head() const {
    v1::ListKeysResponse list = keys->List("");
    return {list.head().tree_size(), list.head().root_hash()};
  }
  TempDir dir;
  std::unique_ptr<HubDb> db;
  std::unique_ptr<KeyRegistry> keys;
};

TEST(KeyRegistryTest, AProposalChangesNothingUntilCommitted) {
  Process a("a");
  auto p = a.keys->ProposeRegister("police", Request("police"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->unchanged);
  EXPECT_FALSE(p->event_bytes.empty());
  EXPECT_EQ(a.Head().first, 0u);
  EXPECT_EQ(a.keys->directory()->CurrentKey("police", absl::Now()), nullptr);
  auto committed = a.keys->Commit(p->event_bytes);
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_EQ(committed->log_index, 0u);
  EXPECT_FALSE(committed->unchanged);
  EXPECT_NE(a.keys->directory()->CurrentKey("police", absl::Now()), nullptr);
  // The same bytes again (a duplicate in the journal): its index, nothing appended.
  auto again = a.keys->Commit(p->event_bytes);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->unchanged);
  EXPECT_EQ(again->log_index, 0u);
  EXPECT_EQ(a.Head().first, 1u);
}

TEST(KeyRegistryTest, ProposalsAreCheckedAgainstTheCurrentKeys) {
  Process a("a");
  v1::RegisterKeyRequest req = Request("police");
  ASSERT_TRUE(a.keys->Register("police", req).ok());
  // The same key again: unchanged, nothing to share.
  auto same = a.keys->ProposeRegister("police", req);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->unchanged);
  // Another first key: refused at once, naming the way out.
  auto second = a.keys->ProposeRegister("police", Request("police"));
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  EXPECT_NE(second.status().message().find("accordctl key rotate"), std::string::npos);
  // Another agency's key: refused.
  EXPECT_TRUE(absl::IsPermissionDenied(a.keys->ProposeRegister("police", Request("nhs")).status()));
  // A rotation names the key it replaces.
  auto rotate = a.keys->ProposeRotate("police", Request("police"));
  ASSERT_TRUE(rotate.ok()) << rotate.status();
  EXPECT_EQ(rotate->event.previous_fingerprint(), a.keys->List("police").keys(0).fingerprint());
  EXPECT_TRUE(absl::IsNotFound(a.keys->ProposeRevoke("police", [] {
    v1::RevokeKeyRequest r;
    r.set_key_fingerprint("sha256:00");
    return r;
  }()).status()));
}

// Two processes each accept a first key for the same agency at the same
// moment. Committed in journal order, both keep the first and refuse the
// second (whichever was made first: here the later-made one is first in the
// journal), and their key logs have the same size and root.
TEST(KeyRegistryTest, ConflictingChangesFromTwoProcessesResolveAlikeInJournalOrder) {
  Process a("a"), b("b");
  auto from_a = a.keys->ProposeRegister("police", Request("police"));
  auto from_b = b.keys->ProposeRegister("police", Request("police"));
  auto nhs = b.keys->ProposeRegister("nhs", Request("nhs"));
  ASSERT_TRUE(from_a.ok() && from_b.ok() && nhs.ok());
  const std::vector<std::string> journal = {from_b->event_bytes, nhs->event_bytes, from_a->event_bytes};
  for (Process* p : {&a, &b}) {
    EXPECT_TRUE(p->keys->Commit(journal[0]).ok());
    EXPECT_TRUE(p->keys->Commit(journal[1]).ok());
    auto refused = p->keys->Commit(journal[2]);
    EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
    EXPECT_NE(refused.status().message().find("reached the key log first"), std::string::npos)
        << refused.status();
  }
  EXPECT_EQ(a.Head(), b.Head());
  EXPECT_EQ(a.Head().first, 2u);
  EXPECT_EQ(a.keys->List("police").keys(0).fingerprint(), from_b->event.key_fingerprint());
  EXPECT_EQ(b.keys->List("police").keys(0).fingerprint(), from_b->event.key_fingerprint());
  // A rotation proposed against a key that another process's rotation has
  // replaced meanwhile is refused everywhere, too.
  auto rot_a = a.keys->ProposeRotate("police", Request("police"));
  auto rot_b = b.keys->ProposeRotate("police", Request("police"));
  ASSERT_TRUE(rot_a.ok() && rot_b.ok());
  for (Process* p : {&a, &b}) {
    EXPECT_TRUE(p->keys->Commit(rot_a->event_bytes).ok());
    EXPECT_TRUE(absl::IsFailedPrecondition(p->keys->Commit(rot_b->event_bytes).status()));
  }
  EXPECT_EQ(a.Head(), b.Head());
}

TEST(KeyRegistryTest, TheLogReplaysAfterARestart) {
  TempDir dir;
  std::pair<uint64_t, std::string> head;
  std::string fingerprint;
  KeyRegistryOptions options;
  options.log_signing_seed = std::string(32, 's');
  {
    auto db = OpenDb(dir.path());
    auto keys = KeyRegistry::Open(db.get(), options);
    ASSERT_TRUE(keys.ok());
    auto r = (*keys)->Register("police", Request("police"));
    ASSERT_TRUE(r.ok());
    fingerprint = r->event.key_fingerprint();
    auto l = (*keys)->List("");
    head = {l.head().tree_size(), l.head().root_hash()};
  }
  auto db = OpenDb(dir.path());
  auto keys = KeyRegistry::Open(db.get(), options);
  ASSERT_TRUE(keys.ok());
  auto l = (*keys)->List("");
  EXPECT_EQ(std::make_pair(l.head().tree_size(), l.head().root_hash()), head);
  ASSERT_NE((*keys)->directory()->CurrentKey("police", absl::Now()), nullptr);
  EXPECT_EQ((*keys)->directory()->CurrentKey("police", absl::Now())->fingerprint, fingerprint);
}

}  // namespace
}  // namespace accord::hub
