#include "audit_fixture.h"

#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/audit_service.grpc.pb.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "google/protobuf/util/delimited_message_util.h"

namespace accord::testing {

void AuditCliTest::SetUp() { MakePki(dir_.path()); }

void AuditCliTest::StartHub(const std::string& data_dir, bool submit_agreement) {
  if (hub_) hub_->Terminate(10);
  hub_ = std::make_unique<HubProcess>();
  const std::string& d = dir_.path();
  ASSERT_TRUE(hub_->Start(ACCORD_HUB_BINARY,
                          {"--listen", "127.0.0.1:0", "--data-dir", Path(data_dir), "--tls-ca",
                           d + "/pki/ca.crt", "--tls-cert", d + "/pki/hub.crt", "--tls-key",
                           d + "/pki/hub.key", "--metrics-listen", "", "--hub-instance", "audit-hub"}));
  if (!submit_agreement) return;
  RegisterTestKeys(d, hub_->port());
  auto stub = v1::AgreementService::NewStub(AgencyChannel(d, hub_->port(), kPolice));
  grpc::ClientContext ctx;
  v1::SubmitAgreementRequest req;
  req.set_document(SignedPoliceAgreement());
  v1::SubmitAgreementResponse resp;
  ASSERT_TRUE(stub->SubmitAgreement(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.agreement().state(), v1::ACTIVE);
}

uint64_t AuditCliTest::LedgerSize() {
  auto audit = v1::AuditService::NewStub(AgencyChannel(dir_.path(), hub_->port(), kAnalyst));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::SignedTreeHead head;
  if (!audit->GetTreeHead(&ctx, v1::GetTreeHeadRequest(), &head).ok()) return 0;
  return head.tree_size();
}

void AuditCliTest::PublishAndWait(int first, int n, uint64_t want_size) {
  auto stub = v1::IngestService::NewStub(AgencyChannel(dir_.path(), hub_->port(), kPolice));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->Publish(&ctx);
  v1::PublishRequest req;
  req.set_sequence(1);
  for (int i = first; i < first + n; ++i) *req.add_records() = PoliceRecord(i);
  ASSERT_TRUE(stream->Write(req));
  stream->WritesDone();
  v1::PublishResponse resp;
  int accepted = 0;
  while (stream->Read(&resp)) {
    for (const auto& o : resp.outcomes()) accepted += o.status() == v1::RecordOutcome::ACCEPTED;
  }
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(accepted, n);
  for (int i = 0; i < 100 && LedgerSize() < want_size; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(LedgerSize(), want_size);
}

CtlResult AuditCliTest::Ctl(const std::vector<std::string>& args, bool hub) {
  std::vector<std::string> argv = {ACCORDCTL_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  if (hub) {
    const std::string pki = dir_.path() + "/pki/";
    for (std::string a :
         std::vector<std::string>{"--hub", absl::StrCat("127.0.0.1:", hub_->port()), "--ca", pki + "ca.crt",
                                  "--cert", pki + kAnalyst + ".crt", "--key", pki + kAnalyst + ".key"}) {
      argv.push_back(a);
    }
  }
  for (std::string& a : argv) a = "'" + a + "'";  // no quotes in test paths or arguments
  const std::string out_file = Path("ctl.out");
  const std::string cmd = absl::StrCat(absl::StrJoin(argv, " "), " >", out_file, " 2>&1");
  const int status = std::system(cmd.c_str());
  CtlResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFileOrDie(out_file);
  return r;
}

std::vector<v1::LedgerExportRecord> ReadExportRecords(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  google::protobuf::io::IstreamInputStream stream(&in);
  std::vector<v1::LedgerExportRecord> out;
  bool clean_eof = false;
  for (;;) {
    v1::LedgerExportRecord r;  // fresh each time: the parse merges
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&r, &stream, &clean_eof)) break;
    out.push_back(std::move(r));
  }
  EXPECT_TRUE(clean_eof) << path << " does not parse";
  return out;
}

void WriteExportRecords(const std::string& path, const std::vector<v1::LedgerExportRecord>& records) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& r : records) google::protobuf::util::SerializeDelimitedToOstream(r, &out);
}

size_t EntryPosition(const std::vector<v1::LedgerExportRecord>& records, uint64_t index) {
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].has_entry() && records[i].entry().index() == index) return i;
  }
  ADD_FAILURE() << "no entry " << index << " in the export";
  return 0;
}

}  // namespace accord::testing
