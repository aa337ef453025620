// Crash safety: SIGKILL the hub mid-stream under load, restart it, and check
// that every acknowledged record is in the feed and the ledger exactly once,
// and that the ledger still verifies.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/verify.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/audit_service.grpc.pb.h"
#include "accord/v1/feed_service.grpc.pb.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "hub_process.h"
#include "test_support.h"

namespace accord::testing {
namespace {

namespace ledger = ::accord::hub::ledger;

std::vector<std::string> HubArgs(const std::string& dir) {
  return {"--listen", "127.0.0.1:0", "--data-dir", dir + "/data", "--tls-ca", dir + "/pki/ca.crt",
          "--tls-cert", dir + "/pki/hub.crt", "--tls-key", dir + "/pki/hub.key",
          "--metrics-listen", "", "--hub-instance", "crash-hub"};
}

std::string CrimeRef(const v1::CleanedRecord& r) {
  for (const auto& f : r.fields()) if (f.name() == "crime_ref") return f.value().text();
  return "";
}

TEST(HubCrashTest, SigkillMidStreamLosesAndDuplicatesNothing) {
  TempDir dir;
  MakePki(dir.path());
  HubProcess hub;
  ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, HubArgs(dir.path())));
  RegisterTestKeys(dir.path(), hub.port());
  {
    auto stub = v1::AgreementService::NewStub(AgencyChannel(dir.path(), hub.port(), kPolice));
    grpc::ClientContext ctx;
    v1::SubmitAgreementRequest req;
    req.set_document(SignedPoliceAgreement());
    v1::SubmitAgreementResponse resp;
    ASSERT_TRUE(stub->SubmitAgreement(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.agreement().state(), v1::ACTIVE);
  }

  // Publish continuously; remember every record the hub acknowledged.
  std::mutex mu;
  std::set<std::string> acked;  // crime refs
  std::atomic<int> next{0};
  std::atomic<bool> stop{false};
  auto publisher = [&](int port) {
    auto stub = v1::IngestService::NewStub(AgencyChannel(dir.path(), port, kPolice));
    grpc::ClientContext ctx;
    auto stream = stub->Publish(&ctx);
    std::map<uint64_t, std::vector<std::string>> sent;
    std::thread reader([&] {
      v1::PublishResponse resp;
      while (stream->Read(&resp)) {
        std::lock_guard<std::mutex> lock(mu);
        const auto& refs = sent[resp.sequence()];
        for (int i = 0; i < resp.outcomes_size(); ++i) {
          const auto st = resp.outcomes(i).status();
          if (st == v1::RecordOutcome::ACCEPTED || st == v1::RecordOutcome::DUPLICATE) acked.insert(refs[i]);
        }
      }
    });
    for (uint64_t seq = 1; !stop; ++seq) {
      v1::PublishRequest req;
      req.set_sequence(seq);
      std::vector<std::string> refs;
      for (int i = 0; i < 200; ++i) {
        v1::Record r = PoliceRecord(next++);
        refs.push_back(r.fields(0).value().text());
        *req.add_records() = std::move(r);
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        sent[seq] = refs;
      }
      if (!stream->Write(req)) break;
    }
    stream->WritesDone();
    reader.join();
    stream->Finish().IgnoreError();
  };
  std::thread load(publisher, hub.port());
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard<std::mutex> lock(mu);
    if (acked.size() >= 3000) break;
  }
  hub.Kill(SIGKILL);
  stop = true;
  load.join();
  const std::set<std::string> acked_before = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acked;
  }();
  ASSERT_GE(acked_before.size(), 3000u);

  // Restart on the same data and read everything back.
  HubProcess again;
  ASSERT_TRUE(again.Start(ACCORD_HUB_BINARY, HubArgs(dir.path())));
  auto feed = v1::FeedService::NewStub(AgencyChannel(dir.path(), again.port(), kAnalyst));
  auto audit = v1::AuditService::NewStub(AgencyChannel(dir.path(), again.port(), kAnalyst));
  // Wait for the policy stage to catch up with the ingest log.
  std::map<std::string, int> seen;
  uint64_t head_position = 0;
  for (int attempt = 0; attempt < 50; ++attempt) {
    seen.clear();
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    v1::SubscribeRequest req;
    req.set_from_position(1);
    auto reader = feed->Subscribe(&ctx, req);
    v1::SubscribeResponse resp;
    uint64_t last = 0;
    while (reader->Read(&resp)) {
      head_position = resp.head_position();
      for (const auto& d : resp.deliveries()) {
        seen[CrimeRef(d.record())]++;
        last = d.position();
      }
      if (last >= head_position) break;  // caught up with the feed as it is now
    }
    ctx.TryCancel();
    reader->Finish().IgnoreError();
    bool all = true;
    for (const auto& ref : acked_before) all &= seen.count(ref) > 0;
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (const auto& ref : acked_before) EXPECT_EQ(seen[ref], 1) << "acknowledged record " << ref;
  for (const auto& [ref, count] : seen) EXPECT_EQ(count, 1) << "duplicated " << ref;

  // The ledger has exactly one entry per delivery and verifies.
  LedgerExport exported = ExportLedger(audit.get());
  ASSERT_TRUE(exported.status.ok()) << exported.status.error_message();
  EXPECT_EQ(exported.entries.size(), seen.size());
  std::set<std::string> delivery_ids;
  for (const auto& d : exported.entries) {
    EXPECT_TRUE(delivery_ids.insert(d.entry().delivery_id()).second) << "duplicate disclosure in the ledger";
  }
  auto report = VerifyExport(exported);
  EXPECT_TRUE(report.ok) << report.problem;

  // SIGTERM: a graceful shutdown with exit code 0.
  const int status = again.Terminate(15);
  ASSERT_NE(status, -1) << "accord-hub did not exit within 15 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace accord::testing
