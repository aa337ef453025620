// Agreement and key changes with several hub processes on real Apache Kafka:
// no process applies a change where it was asked; every process applies it
// from the journal, in the journal's order. So two processes asked at the
// same moment for conflicting changes (two first keys for one agency, two
// rotations from the same key, two different documents under one agreement
// id and version) end with the same key log (same size and root) and the same
// agreement in force, and exactly one of each pair of callers is told yes.
#include <unistd.h>

#include <atomic>
#include <memory>
#include <random>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "accord/v1/key_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "hub_fixture.h"
#include "hub_process.h"
#include "real_cluster.h"
#include "real_cluster_hub_test.h"
#include "test_support.h"

namespace accord::testing {
namespace {

class KafkaSharedChangesTest : public RealClusterHubTest {
 protected:
  void SetUp() override {
    SetUpCluster();
    ShareKeys();
  }

  // A request to register (or rotate to) a fresh key for `agency`, on a
  // channel already connected to the process at `port`, ready to send.
  struct KeyChange {
    std::unique_ptr<v1::KeyService::Stub> stub;
    v1::RegisterKeyRequest req;
    bool rotate = false;
    v1::KeyEventResponse resp;
    grpc::Status Send() {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      return rotate ? stub->RotateKey(&ctx, req, &resp) : stub->RegisterKey(&ctx, req, &resp);
    }
  };
  KeyChange PrepareKeyChange(int port, const std::string& agency, bool rotate) {
    KeyChange c;
    auto pair = policy::GenerateEd25519KeyPair();
    EXPECT_TRUE(pair.ok());
    auto proof = policy::SignKeyRegistration(agency, pair->private_pem);
    EXPECT_TRUE(proof.ok());
    c.req.set_agency(agency);
    c.req.set_public_key_pem(pair->public_pem);
    c.req.set_proof_of_possession(*proof);
    c.rotate = rotate;
    auto channel = AgencyChannel(dir_.path(), port, agency);
    EXPECT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10)));
    c.stub = v1::KeyService::NewStub(channel);
    return c;
  }

  v1::ListKeysResponse Keys(int port) {
    auto stub = v1::KeyService::NewStub(AgencyChannel(dir_.path(), port, kAnalyst));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ListKeysResponse resp;
    EXPECT_TRUE(stub->ListKeys(&ctx, v1::ListKeysRequest(), &resp).ok());
    return resp;
  }

  // Waits until both processes' key logs have `size` entries; returns their heads.
  std::pair<v1::ListKeysResponse, v1::ListKeysResponse> KeysWhenBothAt(int a, int b, uint64_t size) {
    v1::ListKeysResponse ka, kb;
    for (int i = 0; i < 200; ++i) {
      ka = Keys(a);
      kb = Keys(b);
      if (ka.head().tree_size() >= size && kb.head().tree_size() >= size) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {ka, kb};
  }

  // Runs `fa` and `fb` at the same moment on two threads.
  template <typename F, typename G>
  static void AtOnce(F fa, G fb) {
    std::atomic<int> ready{0};
    auto go = [&ready](auto f) {
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
      f();
    };
    std::thread ta([&] { go(fa); });
    std::thread tb([&] { go(fb); });
    ta.join();
    tb.join();
  }

  static std::string CurrentKey(const v1::ListKeysResponse& keys, const std::string& agency) {
    for (const auto& k : keys.keys()) {
      if (k.agency() == agency && k.status() == "current") return k.fingerprint();
    }
    return "";
  }

};

TEST_F(KafkaSharedChangesTest, ConflictingKeyChangesOnTwoProcessesResolveAlikeWithOneKeyLogRoot) {
  auto a = std::make_unique<HubProcess>();
  ASSERT_TRUE(a->Start(ACCORD_HUB_BINARY, Args("data-a", "hub-a")));
  auto b = std::make_unique<HubProcess>();
  ASSERT_TRUE(b->Start(ACCORD_HUB_BINARY, Args("data-b", "hub-b")));

  // Two first keys for one agency, asked of the two processes at once.
  grpc::Status sa, sb;
  KeyChange ca = PrepareKeyChange(a->port(), kIntruder, false);
  KeyChange cb = PrepareKeyChange(b->port(), kIntruder, false);
  AtOnce([&] { sa = ca.Send(); }, [&] { sb = cb.Send(); });
  ASSERT_NE(sa.ok(), sb.ok()) << "exactly one first key wins: " << sa.error_message() << " / "
                              << sb.error_message();
  const grpc::Status& lost = sa.ok() ? sb : sa;
  EXPECT_EQ(lost.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << lost.error_message();
  const std::string winner = sa.ok() ? ca.resp.event().key_fingerprint() : cb.resp.event().key_fingerprint();
  uint64_t size = 1;

  // Then rotations from the same key, at once, three times. When both
  // processes checked them against the same key, one wins; when one process
  // had already applied the other's, both do. Either way the logs agree.
  int both_won = 0;
  for (int round = 0; round < 3; ++round) {
    ca = PrepareKeyChange(a->port(), kIntruder, true);
    cb = PrepareKeyChange(b->port(), kIntruder, true);
    AtOnce([&] { sa = ca.Send(); }, [&] { sb = cb.Send(); });
    EXPECT_TRUE(sa.ok() || sb.ok()) << "round " << round << ": " << sa.error_message() << " / "
                                    << sb.error_message();
    size += static_cast<uint64_t>(sa.ok()) + static_cast<uint64_t>(sb.ok());
    both_won += sa.ok() && sb.ok();
    for (const grpc::Status* s : {&sa, &sb}) {
      if (!s->ok()) {
        EXPECT_EQ(s->error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s->error_message();
      }
    }
  }
  std::cout << "rotation rounds where both applied (not concurrent): " << both_won << " of 3\n";

  // Both processes hold the same log: size, root, and the same current key.
  auto [ka, kb] = KeysWhenBothAt(a->port(), b->port(), size);
  EXPECT_EQ(ka.head().tree_size(), size);
  EXPECT_EQ(kb.head().tree_size(), ka.head().tree_size());
  EXPECT_EQ(kb.head().root_hash(), ka.head().root_hash()) << "the two processes' key logs differ";
  EXPECT_EQ(CurrentKey(ka, kIntruder), CurrentKey(kb, kIntruder));
  EXPECT_FALSE(CurrentKey(ka, kIntruder).empty());
  EXPECT_NE(winner, "");

  // Each process's answer is what the shared log became: a process restarted
  // from its data holds the same log.
  EXPECT_EQ(b->Terminate(30), 0);
  b = std::make_unique<HubProcess>();
  ASSERT_TRUE(b->Start(ACCORD_HUB_BINARY, Args("data-b", "hub-b")));
  v1::ListKeysResponse kb2 = Keys(b->port());
  EXPECT_EQ(kb2.head().tree_size(), ka.head().tree_size());
  EXPECT_EQ(kb2.head().root_hash(), ka.head().root_hash());
  EXPECT_EQ(a->Terminate(30), 0);
  EXPECT_EQ(b->Terminate(30), 0);
}

TEST_F(KafkaSharedChangesTest, TwoDocumentsForOneAgreementVersionOnTwoProcessesLeaveOneInForceOnBoth) {
  auto a = std::make_unique<HubProcess>();
  ASSERT_TRUE(a->Start(ACCORD_HUB_BINARY, Args("data-a", "hub-a")));
  auto b = std::make_unique<HubProcess>();
  ASSERT_TRUE(b->Start(ACCORD_HUB_BINARY, Args("data-b", "hub-b")));
  RegisterTestKeys(dir_.path(), a->port());
  // Both documents are complete and signed; they differ (valid_until).
  const std::string doc_a = SignedPoliceAgreement("race-agreement", "2031-12-31");
  const std::string doc_b = SignedPoliceAgreement("race-agreement", "2032-12-31");
  auto submit = [&](int port, const std::string& doc, v1::SubmitAgreementResponse* resp) {
    auto stub = v1::AgreementService::NewStub(AgencyChannel(dir_.path(), port, kPolice));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::SubmitAgreementRequest req;
    req.set_document(doc);
    return stub->SubmitAgreement(&ctx, req, resp);
  };

  // B must know the keys A registered before it judges signatures.
  for (int i = 0; i < 200 && Keys(b->port()).head().tree_size() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  v1::SubmitAgreementResponse ra, rb;
  grpc::Status sa, sb;
  AtOnce([&] { sa = submit(a->port(), doc_a, &ra); }, [&] { sb = submit(b->port(), doc_b, &rb); });
  ASSERT_NE(sa.ok(), sb.ok()) << sa.error_message() << " / " << sb.error_message();
  const grpc::Status& lost = sa.ok() ? sb : sa;
  EXPECT_EQ(lost.error_code(), grpc::StatusCode::ALREADY_EXISTS) << lost.error_message();
  const v1::SubmitAgreementResponse& won = sa.ok() ? ra : rb;
  EXPECT_EQ(won.agreement().state(), v1::ACTIVE);

  // Both processes hold the winner, and only it.
  for (int port : {a->port(), b->port()}) {
    auto stub = v1::AgreementService::NewStub(AgencyChannel(dir_.path(), port, kPolice));
    v1::AgreementInfo info;
    for (int i = 0; i < 200; ++i) {
      grpc::ClientContext ctx;
      v1::GetAgreementRequest req;
      req.set_id("race-agreement");
      req.set_version(1);
      if (stub->GetAgreement(&ctx, req, &info).ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(info.fingerprint(), won.agreement().fingerprint()) << "port " << port;
    EXPECT_EQ(info.state(), v1::ACTIVE) << "port " << port;
  }
  EXPECT_EQ(a->Terminate(30), 0);
  EXPECT_EQ(b->Terminate(30), 0);
}

}  // namespace
}  // namespace accord::testing
