#include "accord/client/publisher.h"

#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "accord/base/clock.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "stub_ingest.h"

namespace accord::client {
namespace {

// A long text value (heap-backed std::string even on an arena) derived from
// the record id, so the stub can check every record arrived whole.
std::string Narrative(const std::string& id) {
  return absl::StrCat("narrative of ", id, ": well over fifteen bytes");
}

// The stub hub acks every batch: ACCEPTED, or REJECTED when the record's
// narrative does not match its id; after `fail_after` batches it ends each
// stream with UNAVAILABLE.
void Judge(const v1::Record& r, v1::RecordOutcome* o) {
  const bool whole = r.fields_size() == 1 && r.fields(0).name() == "narrative_free_text" &&
                     r.fields(0).value().text() == Narrative(r.record_id());
  o->set_status(whole ? v1::RecordOutcome::ACCEPTED : v1::RecordOutcome::REJECTED);
}

void Fill(const std::string& id, v1::Record* r) {
  r->set_provider("herts-police");
  r->set_dataset("incident");
  r->set_record_id(id);
  v1::Field* f = r->add_fields();
  f->set_name("narrative_free_text");
  f->mutable_value()->set_text(Narrative(id));
}

struct Seen {
  absl::Mutex mu;
  std::vector<std::string> ids ABSL_GUARDED_BY(mu);
  std::vector<v1::RecordOutcome> outcomes ABSL_GUARDED_BY(mu);
};

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&stub_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_);
    channel_options_.target = absl::StrCat("127.0.0.1:", port);
    channel_options_.insecure_dev = true;
    channel_options_.agency = "herts-police";
    auto channel = MakeChannel(channel_options_);
    ASSERT_TRUE(channel.ok()) << channel.status();
    channel_ = *channel;
    options_.batch_records = 50;
    options_.max_inflight = 2;
  }
  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<Publisher> Open() {
    auto p = Publisher::Open(channel_, channel_options_, options_,
                             [this](const v1::Record& r, const v1::RecordOutcome& o) {
                               absl::MutexLock lock(&seen_.mu);
                               seen_.ids.push_back(r.record_id());
                               seen_.outcomes.push_back(o);
                             });
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }

  size_t OutcomeCount() {
    absl::MutexLock lock(&seen_.mu);
    return seen_.ids.size();
  }

  // Waits (on the reader thread's progress, not on time) until `n` outcomes
  // arrived; false if they did not within a generous real-time bound.
  bool AwaitOutcomes(size_t n) {
    absl::MutexLock lock(&seen_.mu);
    auto arrived = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(seen_.mu) { return seen_.ids.size() >= n; };
    return seen_.mu.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(30));
  }

  testing::StubIngest stub_{Judge};
  std::unique_ptr<grpc::Server> server_;
  ChannelOptions channel_options_;
  std::shared_ptr<grpc::Channel> channel_;
  PublisherOptions options_;
  base::ManualClock clock_;  // the linger tests' clock; outlives their publishers
  Seen seen_;
};

// Many batches, so arenas are recycled many times: every committed record
// reaches the hub whole, once, in order; abandoned ones never do.
TEST_F(PublisherTest, RecordsBuiltInTheBatchArriveWholeInOrder) {
  auto publisher = Open();
  ASSERT_TRUE(publisher);
  std::vector<std::string> committed;
  for (int i = 0; i < 3000; ++i) {
    auto r = publisher->NewRecord();
    ASSERT_TRUE(r.ok()) << r.status();
    const std::string id = absl::StrCat("R", i);
    Fill(id, *r);
    if (i % 7 == 3) {
      publisher->AbandonRecord();
      continue;
    }
    ASSERT_TRUE(publisher->CommitRecord().ok());
    committed.push_back(id);
    if (i % 500 == 0) {  // the copying API, mixed in
      v1::Record heap;
      const std::string copy_id = absl::StrCat("C", i);
      Fill(copy_id, &heap);
      ASSERT_TRUE(publisher->Publish(heap).ok());
      committed.push_back(copy_id);
    }
  }
  ASSERT_TRUE(publisher->Close().ok());
  EXPECT_EQ(stub_.ids(), committed);
  absl::MutexLock lock(&seen_.mu);
  EXPECT_EQ(seen_.ids, committed);
  for (const auto& o : seen_.outcomes) ASSERT_EQ(o.status(), v1::RecordOutcome::ACCEPTED);
  EXPECT_GE(publisher->acked_batches(), committed.size() / options_.batch_records);
}

TEST_F(PublisherTest, OneRecordOpenAtATime) {
  auto publisher = Open();
  ASSERT_TRUE(publisher);
  EXPECT_TRUE(absl::IsFailedPrecondition(publisher->CommitRecord()));
  auto r = publisher->NewRecord();
  ASSERT_TRUE(r.ok());
  Fill("open", *r);
  EXPECT_TRUE(absl::IsFailedPrecondition(publisher->NewRecord().status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(publisher->Publish(v1::Record())));
  EXPECT_TRUE(absl::IsFailedPrecondition(publisher->Flush()));
  // Close abandons the open record: it is never sent and has no outcome.
  ASSERT_TRUE(publisher->Close().ok());
  EXPECT_TRUE(stub_.ids().empty());
  EXPECT_EQ(OutcomeCount(), 0u);
  EXPECT_TRUE(absl::IsFailedPrecondition(publisher->NewRecord().status()));
}

// The linger timer fires while a record is being built: the batch waits for
// it and goes out once it is committed, without Flush().
TEST_F(PublisherTest, LingerWaitsForTheRecordBeingBuilt) {
  options_.linger = absl::Milliseconds(1);
  options_.clock = &clock_;
  auto publisher = Open();
  ASSERT_TRUE(publisher);
  auto first = publisher->NewRecord();
  ASSERT_TRUE(first.ok());
  Fill("A", *first);
  ASSERT_TRUE(publisher->CommitRecord().ok());
  auto second = publisher->NewRecord();
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(clock_.AwaitTimedWaiters(1));  // the sender armed the linger timer
  clock_.Advance(absl::Milliseconds(30));    // well past the linger
  // The sender woke and holds its lock (or already waits for the commit):
  // it sees the batch due while B is being built.
  ASSERT_TRUE(clock_.AwaitTimedWaiters(0));
  Fill("B", *second);
  ASSERT_TRUE(publisher->CommitRecord().ok());
  EXPECT_TRUE(AwaitOutcomes(2));
  ASSERT_TRUE(publisher->Close().ok());
  EXPECT_EQ(stub_.ids(), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(publisher->acked_batches(), 1u);  // A and B, one batch
}

// The linger counts from the batch's first record: a partial batch goes out
// once the clock has moved `linger` past it, without Flush(), and a record
// added meanwhile goes with it.
TEST_F(PublisherTest, LingerSendsAPartialBatchLingerAfterItsFirstRecord) {
  options_.linger = absl::Milliseconds(5);
  options_.clock = &clock_;
  auto publisher = Open();
  ASSERT_TRUE(publisher);
  v1::Record a;
  Fill("A", &a);
  ASSERT_TRUE(publisher->Publish(a).ok());
  ASSERT_TRUE(clock_.AwaitTimedWaiters(1));  // the sender armed the linger timer
  clock_.Advance(absl::Milliseconds(4));     // not yet due
  v1::Record b;
  Fill("B", &b);
  ASSERT_TRUE(publisher->Publish(b).ok());
  ASSERT_TRUE(clock_.AwaitTimedWaiters(1));  // still waiting: the batch is not due
  EXPECT_EQ(OutcomeCount(), 0u);
  clock_.Advance(absl::Milliseconds(1));  // 5 ms after A
  EXPECT_TRUE(AwaitOutcomes(2));
  EXPECT_EQ(stub_.ids(), (std::vector<std::string>{"A", "B"}));
  // The next record starts a new linger, from the clock's time now.
  v1::Record c;
  Fill("C", &c);
  ASSERT_TRUE(publisher->Publish(c).ok());
  ASSERT_TRUE(clock_.AwaitTimedWaiters(1));
  clock_.Advance(absl::Milliseconds(5));
  EXPECT_TRUE(AwaitOutcomes(3));
  ASSERT_TRUE(publisher->Close().ok());
  EXPECT_EQ(stub_.ids(), (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(publisher->acked_batches(), 2u);  // {A, B}, {C}
}

// The stream fails mid-run: every record whose CommitRecord() returned OK
// gets exactly one outcome, in order (the hub's, or REJECT_UNAVAILABLE with
// code 14); then NewRecord/CommitRecord report UNAVAILABLE.
TEST_F(PublisherTest, StreamFailureGivesEveryCommittedRecordOneOutcome) {
  stub_.fail_after = 5;
  options_.linger = absl::Seconds(60);  // full batches only
  auto publisher = Open();
  ASSERT_TRUE(publisher);
  std::vector<std::string> committed;
  absl::Status s;
  for (int i = 0; i < 100000 && s.ok(); ++i) {
    auto r = publisher->NewRecord();
    s = r.status();
    if (!s.ok()) break;
    const std::string id = absl::StrCat("F", i);
    Fill(id, *r);
    s = publisher->CommitRecord();
    if (s.ok()) committed.push_back(id);
  }
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_TRUE(absl::IsUnavailable(publisher->Close()));
  absl::MutexLock lock(&seen_.mu);
  EXPECT_EQ(seen_.ids, committed);
  size_t accepted = 0;
  for (const auto& o : seen_.outcomes) {
    if (o.status() == v1::RecordOutcome::ACCEPTED) {
      ++accepted;
    } else {
      EXPECT_EQ(o.reason(), v1::REJECT_UNAVAILABLE);
      EXPECT_EQ(o.code(), 14);
    }
  }
  EXPECT_EQ(accepted, 5 * options_.batch_records);
}

}  // namespace
}  // namespace accord::client
