// The fixture the Kafka hub tests share (mock cluster and real cluster alike):
// a dev PKI, the hub's config, publishing under load while recording every
// acknowledged record, and the exactly-once check over feed and ledger.
// Thread safety: PublishUntil may run on several threads; the rest on the test thread.
#pragma once

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/audit_service.grpc.pb.h"
#include "accord/v1/feed_service.grpc.pb.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "test_support.h"

namespace accord::testing {

inline std::string CrimeRef(const v1::CleanedRecord& r) {
  for (const auto& f : r.fields()) {
    if (f.name() == "crime_ref") return f.value().text();
  }
  return "";
}

// Runs a shell command and returns its standard output.
inline std::string RunCommand(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

class KafkaHubBase : public ::testing::Test {
 protected:
  KafkaHubBase() { MakePki(dir_.path()); }

  // The hub's config: Kafka at `bootstraps`, topics and groups under `prefix`
  // (one per test on a shared cluster), then `extra` lines (YAML, indented
  // under kafka.properties when they start with four spaces).
  void WriteConfig(const std::string& bootstraps, const std::string& prefix, int message_timeout_ms,
                   const std::string& extra = "") {
    bootstraps_ = bootstraps;
    prefix_ = prefix;
    std::ofstream config(dir_.path() + "/hub.yaml");
    config << "log_backend: kafka\n"
           << "kafka:\n"
           << "  brokers: \"" << bootstraps << "\"\n"
           << "  topic_prefix: " << prefix << "\n"
           << "  partitions: 3\n"
           << "  replication_factor: 3\n"
           << "  message_timeout_ms: " << message_timeout_ms << "\n"
           << "  properties:\n"
           << "    session.timeout.ms: 6000\n"
           << "    heartbeat.interval.ms: 500\n"
           << "    log_level: 3\n"
           << extra;
  }
  std::string FeedTopic() const { return prefix_ + ".feed." + kAnalyst; }

  std::vector<std::string> Args(const std::string& data = "data",
                                const std::string& instance = "kafka-hub") const {
    const std::string& d = dir_.path();
    return {"--config", d + "/hub.yaml", "--listen", "127.0.0.1:0", "--data-dir", d + "/" + data,
            "--tls-ca", d + "/pki/ca.crt", "--tls-cert", d + "/pki/hub.crt", "--tls-key",
            d + "/pki/hub.key", "--metrics-listen", "", "--hub-instance", instance};
  }

  // Several processes of one partnership share the ledger key and the secrets.
  void ShareKeys() {
    std::ofstream config(dir_.path() + "/hub.yaml", std::ios::app);
    config << "keys:\n"
           << "  ledger_signing_key: " << dir_.path() << "/shared-keys/ledger.key\n"
           << "  secrets: " << dir_.path() << "/shared-keys/secrets.bin\n";
  }

  void SubmitAgreement(int port) {
    RegisterTestKeys(dir_.path(), port);
    auto stub = v1::AgreementService::NewStub(AgencyChannel(dir_.path(), port, kPolice));
    grpc::ClientContext ctx;
    v1::SubmitAgreementRequest req;
    req.set_document(SignedPoliceAgreement());
    v1::SubmitAgreementResponse resp;
    ASSERT_TRUE(stub->SubmitAgreement(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.agreement().state(), v1::ACTIVE);
  }

  // Publishes batches of 50 (at most ~2,500 records/s, at most kMaxRecords in
  // all) until `stop`; records every acknowledged crime ref. The cap matters:
  // the mock cluster keeps only about 5 MB per partition and deletes older
  // messages, so a hub that falls behind on a loaded machine would otherwise
  // see acknowledged records vanish from the topic (as a real cluster with
  // too short a retention would).
  static constexpr int kMaxRecords = 12000;
  void PublishUntil(int port, const std::atomic<bool>& stop, int first, int max_records = kMaxRecords,
                    int pause_ms = 20) {
    auto stub = v1::IngestService::NewStub(AgencyChannel(dir_.path(), port, kPolice));
    grpc::ClientContext ctx;
    auto stream = stub->Publish(&ctx);
    std::map<uint64_t, std::vector<std::string>> sent;
    std::mutex sent_mu;
    std::thread reader([&] {
      v1::PublishResponse resp;
      while (stream->Read(&resp)) {
        std::lock_guard<std::mutex> lock(sent_mu);
        const auto& refs = sent[resp.sequence()];
        for (int i = 0; i < resp.outcomes_size(); ++i) {
          const auto st = resp.outcomes(i).status();
          if (st == v1::RecordOutcome::ACCEPTED || st == v1::RecordOutcome::DUPLICATE) {
            std::lock_guard<std::mutex> l(mu_);
            acked_.insert(refs[i]);
          } else {
            EXPECT_EQ(resp.outcomes(i).reason(), v1::REJECT_UNAVAILABLE) << resp.outcomes(i).message();
          }
        }
      }
    });
    int next = first;
    for (uint64_t seq = 1; !stop && next - first < max_records; ++seq) {
      v1::PublishRequest req;
      req.set_sequence(seq);
      std::vector<std::string> refs;
      for (int i = 0; i < 50; ++i) {
        v1::Record r = PoliceRecord(next++);
        refs.push_back(r.fields(0).value().text());
        *req.add_records() = std::move(r);
      }
      {
        std::lock_guard<std::mutex> lock(sent_mu);
        sent[seq] = refs;
      }
      if (!stream->Write(req)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    }
    stream->WritesDone();
    reader.join();
    stream->Finish().IgnoreError();
  }

  size_t Acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_.size();
  }

  // Reads the analyst's feed until every acknowledged record is there (or a
  // timeout) and checks each appears once; then the ledger matches and verifies.
  void ExpectExactlyOnceAndVerifiedLedger(int port) {
    const std::set<std::string> acked = [&] {
      std::lock_guard<std::mutex> lock(mu_);
      return acked_;
    }();
    ASSERT_FALSE(acked.empty());
    auto feed = v1::FeedService::NewStub(AgencyChannel(dir_.path(), port, kAnalyst));
    std::map<std::string, int> seen;
    for (int attempt = 0; attempt < 120; ++attempt) {
      seen.clear();
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
      v1::SubscribeRequest req;
      req.set_from_position(1);
      auto reader = feed->Subscribe(&ctx, req);
      v1::SubscribeResponse resp;
      while (reader->Read(&resp)) {
        uint64_t last = 0;
        for (const auto& d : resp.deliveries()) {
          seen[CrimeRef(d.record())]++;
          last = d.position();
        }
        if (last >= resp.head_position()) break;
      }
      ctx.TryCancel();
      reader->Finish().IgnoreError();
      bool all = true;
      for (const auto& ref : acked) all &= seen.count(ref) > 0;
      if (all) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    for (const auto& ref : acked) EXPECT_EQ(seen[ref], 1) << "acknowledged record " << ref;
    for (const auto& [ref, count] : seen) EXPECT_EQ(count, 1) << "duplicated " << ref;

    auto audit = v1::AuditService::NewStub(AgencyChannel(dir_.path(), port, kAnalyst));
    LedgerExport exported = ExportLedger(audit.get());
    ASSERT_TRUE(exported.status.ok()) << exported.status.error_message();
    EXPECT_EQ(exported.entries.size(), seen.size());
    std::set<std::string> delivery_ids;
    for (const auto& d : exported.entries) {
      EXPECT_TRUE(delivery_ids.insert(d.entry().delivery_id()).second) << "duplicate disclosure";
    }
    auto report = VerifyExport(exported);
    EXPECT_TRUE(report.ok) << report.problem;
  }

  TempDir dir_;
  std::string bootstraps_;
  std::string prefix_ = "accord";
  std::mutex mu_;
  std::set<std::string> acked_;
};

}  // namespace accord::testing
