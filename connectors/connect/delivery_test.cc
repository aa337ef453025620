#include "delivery.h"

#include <unistd.h>

#include <atomic>
#include <set>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "stub_ingest.h"

namespace accord::connect {
namespace {

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stub_.fail_once = true;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&stub_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    char tmpl[] = "/tmp/delivery_testXXXXXX";
    ::close(mkstemp(tmpl));
    dead_path_ = tmpl;
    options_.channel.target = absl::StrCat("127.0.0.1:", port_);
    options_.channel.insecure_dev = true;
    options_.channel.agency = "herts-police";
    options_.publisher.batch_records = 10;
    options_.publisher.max_inflight = 2;
    options_.initial_backoff = absl::Milliseconds(1);
  }
  void TearDown() override {
    server_->Shutdown();
    std::remove(dead_path_.c_str());
  }

  // Row i occupies bytes [10 i, 10 i + 10) on line i + 2.
  static SourceRow Row(int i) {
    SourceRow row;
    row.line = i + 2;
    row.begin_offset = 10 * i;
    row.end_offset = 10 * i + 10;
    row.raw = absl::StrCat("row ", i);
    return row;
  }
  static v1::Record Rec(const std::string& id) {
    v1::Record r;
    r.set_provider("herts-police");
    r.set_dataset("recorded_crime");
    r.set_record_id(id);
    return r;
  }
  std::string DeadLetters() {
    std::ifstream in(dead_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Accepts every record except ids ending in "-R" (REJECT_INVALID_VALUE);
  // ids seen before are DUPLICATE; fails a stream once (fail_after).
  std::set<std::string> seen_;  // the stub's judge runs under its lock
  client::testing::StubIngest stub_{[this](const v1::Record& r, v1::RecordOutcome* o) {
    if (absl::EndsWith(r.record_id(), "-R")) {
      o->set_status(v1::RecordOutcome::REJECTED);
      o->set_reason(v1::REJECT_INVALID_VALUE);
      o->set_message("field offence_category: not an allowed value");
      o->set_code(3);
    } else {
      o->set_status(seen_.insert(r.record_id()).second ? v1::RecordOutcome::ACCEPTED
                                                       : v1::RecordOutcome::DUPLICATE);
    }
  }};
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::string dead_path_;
  DeliveryOptions options_;
};

TEST_F(DeliveryTest, OutcomesAdvanceThePositionInRowOrder) {
  DeadLetter dead(dead_path_);
  Deliverer d(options_, &dead);
  d.Reset(Position{0, 2, 0});
  for (int i = 0; i < 25; ++i) {
    const std::string id = i == 7 ? "R7-R" : absl::StrCat("R", i);
    if (i == 12) {
      ASSERT_TRUE(d.AddLocalFailure(Row(i), "unreadable row: malformed CSV").ok());
    } else {
      ASSERT_TRUE(d.Send(Rec(id), Row(i)).ok());
    }
  }
  ASSERT_TRUE(d.Drain().ok());
  const Position p = d.progress();
  EXPECT_EQ(p.offset, 250u);
  EXPECT_EQ(p.line, 27u);
  EXPECT_EQ(p.rows_done, 25u);
  ASSERT_TRUE(d.Close().ok());
  const DeliveryStats s = d.stats();
  EXPECT_EQ(s.sent, 24u);
  EXPECT_EQ(s.accepted, 23u);
  EXPECT_EQ(s.rejected.at("REJECT_INVALID_VALUE"), 1u);
  EXPECT_EQ(s.dead_lettered, 2u);
  const std::string dl = DeadLetters();
  EXPECT_NE(dl.find("\"row\":\"row 7\""), std::string::npos) << dl;
  EXPECT_NE(dl.find("REJECT_INVALID_VALUE: field offence_category"), std::string::npos) << dl;
  EXPECT_NE(dl.find("\"line\":14"), std::string::npos) << dl;  // row 12, local failure
}

TEST_F(DeliveryTest, AFailedStreamStopsAtTheLastFinalRowAndResumes) {
  DeadLetter dead(dead_path_);
  Deliverer d(options_, &dead);
  d.Reset(Position{0, 2, 0});
  stub_.fail_after = 2;  // two batches (20 rows) acked, then UNAVAILABLE
  absl::Status s;
  int i = 0;
  for (; i < 200 && s.ok(); ++i) s = d.Send(Rec(absl::StrCat("R", i)), Row(i));
  if (s.ok()) s = d.Drain();
  ASSERT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_EQ(d.progress().offset, 200u);  // exactly the 20 acked rows
  ASSERT_TRUE(d.Recover().ok());
  // The caller re-reads from progress(): rows 20.. again.
  for (int j = 20; j < 200; ++j) ASSERT_TRUE(d.Send(Rec(absl::StrCat("R", j)), Row(j)).ok());
  ASSERT_TRUE(d.Drain().ok());
  EXPECT_EQ(d.progress().offset, 2000u);
  ASSERT_TRUE(d.Close().ok());
  EXPECT_EQ(seen_.size(), 200u);  // every row reached the hub
  EXPECT_EQ(d.stats().reconnects, 1u);
}

TEST_F(DeliveryTest, StdinRowsAreReplayedFromMemory) {
  DeadLetter dead(dead_path_);
  Deliverer d(options_, &dead);
  d.set_keep_for_replay(true);
  d.Reset(Position{0, 2, 0});
  stub_.fail_after = 1;
  absl::Status s;
  int i = 0;
  for (; i < 100; ++i) {
    s = d.Send(Rec(absl::StrCat("S", i)), Row(i));
    while (absl::IsUnavailable(s)) {  // what RunSource does for stdin
      ASSERT_TRUE(d.Recover().ok());
      s = d.Replay();
    }
    ASSERT_TRUE(s.ok()) << s;
  }
  ASSERT_TRUE(d.Drain().ok());
  ASSERT_TRUE(d.Close().ok());
  EXPECT_EQ(seen_.size(), 100u);
  EXPECT_EQ(d.progress().offset, 1000u);
  EXPECT_GE(d.stats().resent, 1u);
}

// Rows mapped straight into the Publisher's batch; a row whose mapping fails
// is dead-lettered instead. With a stream failure and stdin-style replay,
// every mapped row still reaches the hub once and the position covers all.
TEST_F(DeliveryTest, MapAndSendMapsIntoTheBatchOrFailsLocally) {
  DeadLetter dead(dead_path_);
  Deliverer d(options_, &dead);
  d.set_keep_for_replay(true);
  d.Reset(Position{0, 2, 0});
  stub_.fail_after = 3;
  for (int i = 0; i < 100; ++i) {
    absl::Status s = d.MapAndSend(Row(i), [i](v1::Record* r) -> absl::Status {
      if (i % 10 == 4) return absl::InvalidArgumentError("field x: not an integer");
      *r = Rec(absl::StrCat("M", i));
      return absl::OkStatus();
    });
    while (absl::IsUnavailable(s)) {
      ASSERT_TRUE(d.Recover().ok());
      s = d.Replay();
    }
    ASSERT_TRUE(s.ok()) << s;
  }
  ASSERT_TRUE(d.Drain().ok());
  ASSERT_TRUE(d.Close().ok());
  EXPECT_EQ(seen_.size(), 90u);
  EXPECT_EQ(seen_.count("M4"), 0u);
  EXPECT_EQ(d.progress().offset, 1000u);
  EXPECT_EQ(d.progress().rows_done, 100u);
  const DeliveryStats st = d.stats();
  EXPECT_EQ(st.failed_local.at("mapping: field x: not an integer"), 10u);
  EXPECT_EQ(st.dead_lettered, 10u);
  EXPECT_EQ(st.sent, 90u);
  EXPECT_EQ(st.reconnects, 1u);
  EXPECT_NE(DeadLetters().find("\"row\":\"row 94\""), std::string::npos);
}

}  // namespace
}  // namespace accord::connect
