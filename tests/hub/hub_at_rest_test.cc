// Nothing personal at rest in clear: a real accord-hub process takes records
// with planted identifiers (record ids, names, phone and NHS numbers), then is
// stopped (SIGTERM) or killed (SIGKILL) and every byte of every file under its
// data directory (RocksDB WAL, SST, MANIFEST, OPTIONS, LOG, the keys) is
// searched for them. None may be found: raw records are sealed before they
// reach RocksDB, feeds and the audit store are sealed per agreement and
// month, the dedupe index and the ledger hold keyed digests.
//
// Also: secrets.bin and ledger.key are private (mode 0600) and their
// directory holds no temporary file.
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "absl/strings/str_cat.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/feed_service.grpc.pb.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "hub_process.h"
#include "test_support.h"

namespace accord::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kRecords = 600;

std::vector<std::string> HubArgs(const std::string& dir) {
  return {"--listen", "127.0.0.1:0", "--data-dir", dir + "/data", "--tls-ca", dir + "/pki/ca.crt",
          "--tls-cert", dir + "/pki/hub.crt", "--tls-key", dir + "/pki/hub.key",
          "--metrics-listen", "", "--hub-instance", "at-rest-hub"};
}

// Strings that must never be found at rest, whatever their encoding in a
// record: the record id, the victim's name, phone and NHS number.
const std::vector<std::string>& Needles() {
  static const std::vector<std::string> needles = {
      "PLANTED-RID-",  "Quillon",     "Vexworthy", "VEXWORTHY", "07700 900461",
      "07700900461",   "943 476 5919", "9434765919",
  };
  return needles;
}

v1::Record Planted(int n) {
  v1::Record r = PoliceRecord(n);
  r.set_record_id(absl::StrCat("PLANTED-RID-", 100000 + n));
  for (v1::Field& f : *r.mutable_fields()) {
    if (f.name() == "victim_name") f.mutable_value()->set_text("Quillon Vexworthy");
    if (f.name() == "victim_phone") f.mutable_value()->set_text("07700 900461");
    if (f.name() == "narrative") {
      f.mutable_value()->set_text("Victim VEXWORTHY, Quillon assaulted; called from 07700 900461.");
    }
  }
  return r;
}

// needle -> files that contain it, over every regular file under `dir`.
std::map<std::string, std::vector<std::string>> Find(const std::string& dir) {
  std::map<std::string, std::vector<std::string>> hits;
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const std::string& needle : Needles()) {
      if (bytes.find(needle) != std::string::npos) hits[needle].push_back(e.path().string());
    }
  }
  EXPECT_GT(files, 5u) << "the data directory holds the DB and keys";
  return hits;
}

void ExpectNothingInClear(const std::string& data_dir) {
  for (const auto& [needle, files] : Find(data_dir)) {
    for (const std::string& f : files) ADD_FAILURE() << "'" << needle << "' in clear in " << f;
  }
}

void SubmitAgreement(const std::string& dir, int port) {
  RegisterTestKeys(dir, port);
  auto stub = v1::AgreementService::NewStub(AgencyChannel(dir, port, kPolice));
  grpc::ClientContext ctx;
  v1::SubmitAgreementRequest req;
  req.set_document(SignedPoliceAgreement());
  v1::SubmitAgreementResponse resp;
  ASSERT_TRUE(stub->SubmitAgreement(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.agreement().state(), v1::ACTIVE);
}

// Publishes kRecords planted records; returns how many were ACCEPTED.
int Publish(const std::string& dir, int port) {
  auto stub = v1::IngestService::NewStub(AgencyChannel(dir, port, kPolice));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto stream = stub->Publish(&ctx);
  for (int seq = 0; seq < kRecords / 100; ++seq) {
    v1::PublishRequest req;
    req.set_sequence(seq + 1);
    for (int i = 0; i < 100; ++i) *req.add_records() = Planted(seq * 100 + i);
    if (!stream->Write(req)) break;
  }
  stream->WritesDone();
  int accepted = 0;
  v1::PublishResponse resp;
  while (stream->Read(&resp)) {
    for (const auto& o : resp.outcomes()) accepted += o.status() == v1::RecordOutcome::ACCEPTED;
  }
  EXPECT_TRUE(stream->Finish().ok());
  return accepted;
}

// Deliveries in the analyst's feed (waits up to 30 s for `want`).
size_t FeedSize(const std::string& dir, int port, size_t want) {
  auto stub = v1::FeedService::NewStub(AgencyChannel(dir, port, kAnalyst));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::SubscribeRequest req;
  req.set_from_position(1);
  auto reader = stub->Subscribe(&ctx, req);
  size_t n = 0;
  v1::SubscribeResponse resp;
  while (n < want && reader->Read(&resp)) n += resp.deliveries_size();
  ctx.TryCancel();
  reader->Finish().IgnoreError();
  return n;
}

unsigned Mode(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(HubAtRestTest, NoPlantedIdentifierInAnyFileAfterShutdown) {
  TempDir dir;
  MakePki(dir.path());
  {
    HubProcess hub;
    ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, HubArgs(dir.path())));
    SubmitAgreement(dir.path(), hub.port());
    ASSERT_EQ(Publish(dir.path(), hub.port()), kRecords);
    ASSERT_EQ(FeedSize(dir.path(), hub.port(), kRecords), static_cast<size_t>(kRecords));
    // While it runs (WAL, memtables not yet flushed) ...
    ExpectNothingInClear(dir.path() + "/data");
    ASSERT_EQ(hub.Terminate(30), 0);
  }
  // ... and after a clean shutdown (memtables flushed to SST files).
  ExpectNothingInClear(dir.path() + "/data");
  EXPECT_EQ(Mode(dir.path() + "/data/keys/secrets.bin"), 0600u);
  EXPECT_EQ(Mode(dir.path() + "/data/keys/ledger.key"), 0600u);
  for (const auto& e : fs::directory_iterator(dir.path() + "/data/keys")) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
}

TEST(HubAtRestTest, NoPlantedIdentifierInAnyFileAfterSigkillAndRestart) {
  TempDir dir;
  MakePki(dir.path());
  {
    HubProcess hub;
    ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, HubArgs(dir.path())));
    SubmitAgreement(dir.path(), hub.port());
    // Killed right after the acks: raw records not yet consumed are only in the WAL.
    ASSERT_EQ(Publish(dir.path(), hub.port()), kRecords);
    hub.Kill(SIGKILL);
  }
  ExpectNothingInClear(dir.path() + "/data");
  {
    // The restarted hub recovers the WAL and still delivers every record.
    HubProcess hub;
    ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, HubArgs(dir.path())));
    EXPECT_EQ(FeedSize(dir.path(), hub.port(), kRecords), static_cast<size_t>(kRecords));
    ASSERT_EQ(hub.Terminate(30), 0);
  }
  ExpectNothingInClear(dir.path() + "/data");
}

}  // namespace
}  // namespace accord::testing
