// Trust anchored in agency identity (issue 12, section 1; THREATS.md): a
// signature counts only under the key its party registered over its own
// mTLS identity. Forged consent, version hijack, replayed withdrawals,
// registering for another agency, rotation and revocation, and offline
// verification against an exported key log.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "accord/hub/core/key_log.h"
#include "accord/hub/server/hub.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/lifecycle.h"
#include "accord/policy/signing.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/feed_service.grpc.pb.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "accord/v1/key_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "hub_fixture.h"
#include "test_support.h"

namespace accord::testing {
namespace {

policy::KeyPair FreshKey() {
  auto k = policy::GenerateEd25519KeyPair();
  if (!k.ok()) std::abort();
  return *k;
}

class HubTrustTest : public InProcessHubTest {
 protected:
  HubTrustTest() : InProcessHubTest("trust-hub", /*metrics_listen=*/"") {}

  v1::AgreementInfo Submit(const std::string& doc, const std::string& as,
                           grpc::StatusCode expect = grpc::StatusCode::OK) {
    auto stub = v1::AgreementService::NewStub(Channel(as));
    grpc::ClientContext ctx;
    v1::SubmitAgreementRequest req;
    req.set_document(doc);
    v1::SubmitAgreementResponse resp;
    grpc::Status s = stub->SubmitAgreement(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), expect) << s.error_message();
    return resp.agreement();
  }

  grpc::Status SubmitWithdrawal(const std::string& doc, const std::string& as) {
    auto stub = v1::AgreementService::NewStub(Channel(as));
    grpc::ClientContext ctx;
    v1::SubmitWithdrawalRequest req;
    req.set_document(doc);
    v1::SubmitWithdrawalResponse resp;
    return stub->SubmitWithdrawal(&ctx, req, &resp);
  }

  v1::AgreementInfo Get(const std::string& id, uint32_t version) {
    auto stub = v1::AgreementService::NewStub(Channel(kPolice));
    grpc::ClientContext ctx;
    v1::GetAgreementRequest req;
    req.set_id(id);
    req.set_version(version);
    v1::AgreementInfo info;
    grpc::Status s = stub->GetAgreement(&ctx, req, &info);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return info;
  }

  // Publishes records R<first>..R<first+n-1> as police; returns how many were ACCEPTED.
  int PublishAccepted(int first, int n) {
    auto stub = v1::IngestService::NewStub(Channel(kPolice));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto stream = stub->Publish(&ctx);
    v1::PublishRequest req;
    req.set_sequence(1);
    for (int i = 0; i < n; ++i) *req.add_records() = PoliceRecord(first + i);
    stream->Write(req);
    stream->WritesDone();
    v1::PublishResponse resp;
    int accepted = 0;
    while (stream->Read(&resp)) {
      for (const auto& o : resp.outcomes()) accepted += o.status() == v1::RecordOutcome::ACCEPTED;
    }
    EXPECT_TRUE(stream->Finish().ok());
    return accepted;
  }

  // The first `want` deliveries of `as`'s feed (waiting at most `wait`).
  std::vector<v1::Delivery> ReadFeed(size_t want, const std::string& as = kAnalyst,
                                     std::chrono::seconds wait = std::chrono::seconds(20)) {
    auto stub = v1::FeedService::NewStub(Channel(as));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + wait);
    v1::SubscribeRequest req;
    req.set_from_position(1);
    auto reader = stub->Subscribe(&ctx, req);
    std::vector<v1::Delivery> out;
    v1::SubscribeResponse resp;
    while (out.size() < want && reader->Read(&resp)) {
      for (const auto& d : resp.deliveries()) out.push_back(d);
    }
    ctx.TryCancel();
    (void)reader->Finish();
    return out;
  }

  v1::KeyEventResponse KeyCall(const std::string& as, v1::KeyEvent::Kind kind,
                               const policy::KeyPair* key, const std::string& fingerprint,
                               grpc::StatusCode expect = grpc::StatusCode::OK,
                               const std::string& name = "") {
    auto stub = v1::KeyService::NewStub(Channel(as));
    grpc::ClientContext ctx;
    v1::KeyEventResponse resp;
    grpc::Status s;
    if (kind == v1::KeyEvent::REVOKE) {
      v1::RevokeKeyRequest req;
      req.set_agency(name);
      req.set_key_fingerprint(fingerprint);
      req.set_reason("laptop lost");
      s = stub->RevokeKey(&ctx, req, &resp);
    } else {
      v1::RegisterKeyRequest req;
      req.set_agency(name);
      req.set_public_key_pem(key->public_pem);
      auto proof = policy::SignKeyRegistration(name.empty() ? as : name, key->private_pem);
      EXPECT_TRUE(proof.ok());
      req.set_proof_of_possession(*proof);
      s = kind == v1::KeyEvent::REGISTER ? stub->RegisterKey(&ctx, req, &resp)
                                         : stub->RotateKey(&ctx, req, &resp);
    }
    EXPECT_EQ(s.error_code(), expect) << s.error_message();
    return resp;
  }

  v1::KeyLogExport ExportKeys() {
    auto stub = v1::KeyService::NewStub(Channel(kAnalyst));
    grpc::ClientContext ctx;
    v1::KeyLogExport out;
    EXPECT_TRUE(stub->ExportKeyLog(&ctx, v1::ExportKeyLogRequest(), &out).ok());
    return out;
  }

  std::string Withdraw(const std::string& doc, const std::string& party, const policy::KeyPair& key) {
    return SignedWithdrawal(doc, party, key, absl::Now() - absl::Seconds(1));
  }

};

TEST_F(HubTrustTest, ForgedConsentByTheRecipientDeliversNothingAndNamesTheProvider) {
  // The recipient writes keys it made for BOTH parties into the document,
  // signs for both and submits it.
  const std::string forged =
      SignedPoliceAgreementWithKeys("forged-isa", 1, FreshKey(), PartyKey(kAnalyst));
  v1::AgreementInfo info = Submit(forged, kAnalyst);
  EXPECT_EQ(info.state(), v1::PENDING_SIGNATURES) << info.reason();
  EXPECT_NE(info.reason().find("'herts-police' has not signed with its registered key"),
            std::string::npos)
      << info.reason();
  for (const auto& p : info.parties()) {
    EXPECT_EQ(p.signed_(), p.party() == kAnalyst) << p.party() << ": " << p.problem();
  }
  // The provider's records have no basis: none accepted, nothing to deliver.
  EXPECT_EQ(PublishAccepted(1, 20), 0);
  EXPECT_TRUE(ReadFeed(0).empty());
}

TEST_F(HubTrustTest, VersionHijackWithNewKeysForAllPartiesLeavesTheOldVersionInForce) {
  const std::string v1_doc = SignedPoliceAgreement("isa-hijack");
  ASSERT_EQ(Submit(v1_doc, kPolice).state(), v1::ACTIVE);
  // Version 2 with fresh keys for every party, all signed by the attacker.
  v1::AgreementInfo v2 =
      Submit(SignedPoliceAgreementWithKeys("isa-hijack", 2, FreshKey(), FreshKey()), kAnalyst);
  EXPECT_EQ(v2.state(), v1::PENDING_SIGNATURES);
  EXPECT_NE(v2.reason().find("'herts-police' has not signed with its registered key"), std::string::npos)
      << v2.reason();
  EXPECT_EQ(Get("isa-hijack", 1).state(), v1::ACTIVE);
  // Every record flows under version 1; 0 under the hijacked version 2.
  ASSERT_EQ(PublishAccepted(1, 10), 10);
  std::vector<v1::Delivery> got = ReadFeed(10);
  ASSERT_EQ(got.size(), 10u);
  for (const auto& d : got) EXPECT_EQ(d.record().agreement_version(), 1u);
}

TEST_F(HubTrustTest, ReplayedOldWithdrawalDoesNotWithdrawALaterVersion) {
  const std::string v1_doc = SignedPoliceAgreement("isa-replay");
  ASSERT_EQ(Submit(v1_doc, kPolice).state(), v1::ACTIVE);
  const std::string withdrawal = Withdraw(v1_doc, kPolice, PartyKey(kPolice));
  ASSERT_TRUE(SubmitWithdrawal(withdrawal, kPolice).ok());
  EXPECT_EQ(Get("isa-replay", 1).state(), v1::WITHDRAWN);
  // The partners agree version 2; the old withdrawal is replayed.
  const std::string v2_doc =
      SignedPoliceAgreementWithKeys("isa-replay", 2, PartyKey(kPolice), PartyKey(kAnalyst));
  ASSERT_EQ(Submit(v2_doc, kPolice).state(), v1::ACTIVE);
  (void)SubmitWithdrawal(withdrawal, kAnalyst);
  EXPECT_EQ(Get("isa-replay", 2).state(), v1::ACTIVE);
  // Re-targeting the old signature at version 2 does not verify.
  std::string retargeted = withdrawal;
  const size_t at = retargeted.find("version: 1");
  ASSERT_NE(at, std::string::npos);
  retargeted.replace(at, 10, "version: 2");
  EXPECT_FALSE(SubmitWithdrawal(retargeted, kAnalyst).ok());
  // A withdrawal signed with a key the party never registered is refused.
  EXPECT_EQ(SubmitWithdrawal(Withdraw(v2_doc, kPolice, FreshKey()), kAnalyst).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get("isa-replay", 2).state(), v1::ACTIVE);
  EXPECT_EQ(PublishAccepted(1, 5), 5);
}

TEST_F(HubTrustTest, RegisteringAKeyForAnotherAgencyIsRefused) {
  const policy::KeyPair mine = FreshKey();
  // Naming another agency.
  KeyCall(kAnalyst, v1::KeyEvent::REGISTER, &mine, "", grpc::StatusCode::PERMISSION_DENIED, kPolice);
  KeyCall(kAnalyst, v1::KeyEvent::ROTATE, &mine, "", grpc::StatusCode::PERMISSION_DENIED, kPolice);
  KeyCall(kAnalyst, v1::KeyEvent::REVOKE, nullptr,
          *policy::PublicKeyFingerprint(PartyKey(kPolice).public_pem),
          grpc::StatusCode::PERMISSION_DENIED, kPolice);
  // Another agency's public key under one's own name: no proof of possession.
  {
    auto stub = v1::KeyService::NewStub(Channel(kIntruder));
    grpc::ClientContext ctx;
    v1::RegisterKeyRequest req;
    req.set_public_key_pem(PartyKey(kPolice).public_pem);
    req.set_proof_of_possession(*policy::SignKeyRegistration(kPolice, PartyKey(kPolice).private_pem));
    v1::KeyEventResponse resp;
    EXPECT_EQ(stub->RegisterKey(&ctx, req, &resp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  // A key already in the log cannot be registered by another agency.
  KeyCall(kIntruder, v1::KeyEvent::REGISTER, &PartyKey(kPolice), "",
          grpc::StatusCode::FAILED_PRECONDITION);
  // Police's key is unchanged.
  hub::VerifiedKeyLog log = *hub::VerifyKeyLogExport(ExportKeys());
  const auto* police = log.keys.CurrentKey(kPolice, absl::Now());
  ASSERT_NE(police, nullptr);
  EXPECT_EQ(police->public_pem, PartyKey(kPolice).public_pem);
  EXPECT_EQ(log.keys.CurrentKey(kIntruder, absl::Now()), nullptr);
}

TEST_F(HubTrustTest, RotationAndRevocationTakeEffectAtOnceAndAreInTheKeyLog) {
  const std::string old_doc = SignedPoliceAgreement("isa-rotate");
  ASSERT_EQ(Submit(old_doc, kPolice).state(), v1::ACTIVE);
  const std::string old_fp = *policy::PublicKeyFingerprint(PartyKey(kPolice).public_pem);
  const policy::KeyPair next = FreshKey();
  v1::KeyEventResponse rotated = KeyCall(kPolice, v1::KeyEvent::ROTATE, &next, "");
  EXPECT_EQ(rotated.event().previous_fingerprint(), old_fp);
  // Accepted before the rotation: still counts.
  EXPECT_EQ(Get("isa-rotate", 1).state(), v1::ACTIVE);
  // New signatures with the old key do not count; with the new key they do.
  v1::AgreementInfo stale = Submit(
      SignedPoliceAgreementWithKeys("isa-after", 1, PartyKey(kPolice), PartyKey(kAnalyst)), kPolice);
  EXPECT_EQ(stale.state(), v1::PENDING_SIGNATURES);
  EXPECT_NE(stale.reason().find("replaced by a rotation"), std::string::npos) << stale.reason();
  EXPECT_EQ(Submit(SignedPoliceAgreementWithKeys("isa-after2", 1, next, PartyKey(kAnalyst)), kPolice)
                .state(),
            v1::ACTIVE);
  // Revoking the old key: agreements it signed stop at once.
  KeyCall(kPolice, v1::KeyEvent::REVOKE, nullptr, old_fp);
  v1::AgreementInfo revoked = Get("isa-rotate", 1);
  EXPECT_EQ(revoked.state(), v1::PENDING_SIGNATURES);
  EXPECT_NE(revoked.reason().find("revoked"), std::string::npos) << revoked.reason();
  // Only isa-after2 remains in force, so police records still flow.
  EXPECT_EQ(PublishAccepted(1, 3), 3);
  // The log says who held which key when.
  v1::KeyLogExport exported = ExportKeys();
  auto log = hub::VerifyKeyLogExport(exported);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size, 5u);  // 3 registrations, 1 rotation, 1 revocation
  v1::KeyEvent last;
  ASSERT_TRUE(last.ParseFromString(exported.entries(4)));
  EXPECT_EQ(last.kind(), v1::KeyEvent::REVOKE);
  EXPECT_EQ(last.agency(), kPolice);
  EXPECT_EQ(last.key_fingerprint(), old_fp);
  const auto* old_key = log->keys.Find(kPolice, old_fp);
  ASSERT_NE(old_key, nullptr);
  EXPECT_NE(old_key->revoked_at, absl::InfiniteFuture());
  EXPECT_NE(old_key->retired_at, absl::InfiniteFuture());
  // A restarted hub replays the same history.
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(Get("isa-rotate", 1).state(), v1::PENDING_SIGNATURES);
  EXPECT_EQ(Get("isa-after2", 1).state(), v1::ACTIVE);
  v1::KeyLogExport replayed = ExportKeys();
  ASSERT_EQ(replayed.entries_size(), exported.entries_size());
  for (int i = 0; i < replayed.entries_size(); ++i) EXPECT_EQ(replayed.entries(i), exported.entries(i));
  EXPECT_EQ(replayed.head().SerializeAsString(), exported.head().SerializeAsString());
}

TEST_F(HubTrustTest, OfflineVerificationAgainstAnExportedKeyLog) {
  const std::string good = SignedPoliceAgreement("isa-offline");
  ASSERT_EQ(Submit(good, kPolice).state(), v1::ACTIVE);
  const std::string forged =
      SignedPoliceAgreementWithKeys("isa-forged", 1, FreshKey(), PartyKey(kAnalyst));
  const std::string bytes = ExportKeys().SerializeAsString();
  // What `accordctl agreement verify --keys keylog.bin` does.
  v1::KeyLogExport exported;
  ASSERT_TRUE(exported.ParseFromString(bytes));
  auto log = hub::VerifyKeyLogExport(exported);
  ASSERT_TRUE(log.ok()) << log.status();
  auto judge = [&](const std::string& doc) {
    auto parsed = policy::ParseAgreement(doc, "offline");
    EXPECT_TRUE(parsed.ok());
    policy::RegisteredKeyContext ctx;
    ctx.keys = &log->keys;
    return policy::EvaluateStatus(*parsed.agreement, {}, absl::Now(), ctx);
  };
  EXPECT_EQ(judge(good).state, policy::AgreementState::kActive) << judge(good).reason;
  policy::AgreementStatus f = judge(forged);
  EXPECT_EQ(f.state, policy::AgreementState::kPendingSignatures);
  EXPECT_NE(f.reason.find("'herts-police' has not signed with its registered key"), std::string::npos);
  // Without the key log, the forged document looks fine: why --keys matters.
  auto parsed = policy::ParseAgreement(forged, "offline");
  EXPECT_EQ(policy::EvaluateStatus(*parsed.agreement, {}, absl::Now()).state,
            policy::AgreementState::kActive);
  // A tampered key log does not verify.
  v1::KeyLogExport tampered = exported;
  v1::KeyEvent e;
  ASSERT_TRUE(e.ParseFromString(tampered.entries(0)));
  e.set_public_key_pem(FreshKey().public_pem);
  tampered.set_entries(0, e.SerializeAsString());
  EXPECT_FALSE(hub::VerifyKeyLogExport(tampered).ok());
  // And one signed by another key is refused when the verifier pins the hub's.
  EXPECT_FALSE(hub::VerifyKeyLogExport(exported, PartyKey(kPolice).public_pem).ok());
}

TEST_F(HubTrustTest, AProviderCannotPublishAsAnotherProvider) {
  ASSERT_EQ(Submit(SignedPoliceAgreement("isa-spoof"), kPolice).state(), v1::ACTIVE);
  // A&E's certificate, records claiming to be the police's.
  auto stub = v1::IngestService::NewStub(Channel(kAe));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto stream = stub->Publish(&ctx);
  v1::PublishRequest req;
  req.set_sequence(1);
  for (int i = 0; i < 5; ++i) *req.add_records() = PoliceRecord(i, kPolice);
  stream->Write(req);
  stream->WritesDone();
  v1::PublishResponse resp;
  int accepted = 0;
  while (stream->Read(&resp)) {
    for (const auto& o : resp.outcomes()) accepted += o.status() == v1::RecordOutcome::ACCEPTED;
  }
  (void)stream->Finish();
  EXPECT_EQ(accepted, 0);
  // The real police publish; only their records reach the analyst.
  ASSERT_EQ(PublishAccepted(100, 3), 3);
  std::vector<v1::Delivery> got = ReadFeed(3);
  ASSERT_EQ(got.size(), 3u);
  for (const auto& d : got) EXPECT_EQ(d.record().provider(), kPolice);
}

TEST_F(HubTrustTest, OnlyTheNamedRecipientReadsItsFeed) {
  ASSERT_EQ(Submit(SignedPoliceAgreement("isa-feed"), kPolice).state(), v1::ACTIVE);
  ASSERT_EQ(PublishAccepted(1, 5), 5);
  ASSERT_EQ(ReadFeed(5).size(), 5u);  // the analyst's feed holds them
  // Every other agency's subscription is its own (empty) feed.
  for (const char* other : {kPolice, kAe, kIntruder}) {
    EXPECT_TRUE(ReadFeed(1, other, std::chrono::seconds(1)).empty()) << other;
  }
}

}  // namespace
}  // namespace accord::testing
