// A Publish stream whose hub cannot take more (the ingest log is full)
// refuses each batch unread: every record REJECT_UNAVAILABLE, as when the log
// refuses a decoded batch, with the batch-level checks still applied.
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "grpcpp/grpcpp.h"
#include "ingest_service.h"

namespace accord::hub {
namespace {

// A log that is always full; appending to it is a test failure.
class FullLog final : public IngestLog {
 public:
  bool TryAppend(Batch&) override {
    ADD_FAILURE() << "a batch reached the log although it was full";
    return false;
  }
  absl::Status Poll(absl::Duration, size_t, std::vector<Entry>* out) override {
    out->clear();
    return absl::OkStatus();
  }
  void StageConsumed(const std::vector<Entry>&, rocksdb::WriteBatch*) override {}
  absl::Status Consumed(const std::vector<Entry>&) override { return absl::OkStatus(); }
  uint64_t backlog() const override { return 16384; }
  bool Full() const override { return true; }
  void Stop() override {}
};

v1::Record Record(const std::string& id, const std::string& text) {
  v1::Record r;
  r.set_provider("herts-police");
  r.set_dataset("crime");
  r.set_record_id(id);
  auto* f = r.add_fields();
  f->set_name("offence");
  f->mutable_value()->set_text(text);
  return r;
}

TEST(PublishRefusedTest, AFullLogRefusesEachBatchUnreadAndRecordByRecord) {
  HubConfig config;
  config.insecure_dev = true;
  HubMetrics metrics;
  StreamRegistry streams;
  FullLog log;
  HubContext context;
  context.config = &config;
  context.metrics = &metrics;
  context.streams = &streams;
  context.ingest = &log;
  IngestServiceImpl service(&context);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = v1::IngestService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-accord-agency", "herts-police");
  auto stream = stub->Publish(&ctx);
  v1::PublishRequest req;
  req.set_sequence(5);
  *req.add_records() = Record("a", "assault");
  // Not even a well-formed record: unread, so refused like the others.
  *req.add_records() = Record("b", std::string("\xc3\x28 broken"));
  *req.add_records() = Record("c", "theft");
  ASSERT_TRUE(stream->Write(req));
  v1::PublishResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_EQ(resp.sequence(), 5u);
  ASSERT_EQ(resp.outcomes_size(), 3);
  for (const v1::RecordOutcome& o : resp.outcomes()) {
    EXPECT_EQ(o.status(), v1::RecordOutcome::REJECTED);
    EXPECT_EQ(o.reason(), v1::REJECT_UNAVAILABLE);
    EXPECT_EQ(o.code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_TRUE(absl::StrContains(o.message(), "retry")) << o.message();
  }
  EXPECT_EQ(metrics.records_received.value(), 3u);
  EXPECT_EQ(metrics.records_rejected.With({"REJECT_UNAVAILABLE"}).value(), 3u);
  EXPECT_EQ(metrics.records_rejected_by_source.With({"herts-police", "unknown", "REJECT_UNAVAILABLE"}).value(), 3u);
  // The batch checks still hold: a sequence not above the last fails the stream.
  req.set_sequence(5);
  ASSERT_TRUE(stream->Write(req));
  stream->WritesDone();
  while (stream->Read(&resp)) {
  }
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "not greater than the previous 5")) << s.error_message();
  server->Shutdown();
}

}  // namespace
}  // namespace accord::hub
