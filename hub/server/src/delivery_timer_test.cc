#include "delivery_timer.h"

#include "accord/base/clock.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

// An in-memory log: appends wait in `pending` until the test completes them.
class FakeLog final : public IngestLog {
 public:
  bool TryAppend(Batch& batch) override {
    if (full) return false;
    pending.push_back(std::move(batch));
    return true;
  }
  absl::Status Poll(absl::Duration, size_t, std::vector<Entry>* out) override {
    out->clear();
    return absl::OkStatus();
  }
  void StageConsumed(const std::vector<Entry>&, rocksdb::WriteBatch*) override {}
  absl::Status Consumed(const std::vector<Entry>& consumed) override {
    consumed_total += consumed.size();
    return absl::OkStatus();
  }
  uint64_t backlog() const override { return 0; }
  void Stop() override {}

  // Completes the oldest pending append: `accepted` records accepted, the rest duplicates.
  void Complete(size_t accepted, size_t duplicates = 0) {
    Batch b = std::move(pending.front());
    pending.erase(pending.begin());
    std::vector<Outcome> outcomes(accepted, Outcome::kAccepted);
    outcomes.insert(outcomes.end(), duplicates, Outcome::kDuplicate);
    b.done(absl::OkStatus(), outcomes);
  }

  bool full = false;
  std::vector<Batch> pending;
  uint64_t consumed_total = 0;
};

std::vector<IngestLog::Entry> Entries(size_t n) { return std::vector<IngestLog::Entry>(n); }

class TimedIngestLogTest : public ::testing::Test {
 protected:
  void Make(uint64_t already_waiting) {
    auto fake = std::make_unique<FakeLog>();
    fake_ = fake.get();
    log_ = std::make_unique<TimedIngestLog>(std::move(fake), already_waiting, &histogram_, &clock_);
  }
  IngestLog::Batch Batch(int* done_calls) {
    IngestLog::Batch b;
    b.done = [done_calls](absl::Status, const std::vector<IngestLog::Outcome>&) { ++*done_calls; };
    return b;
  }
  std::string Render() {
    std::string out;
    histogram_.Render("d", "help", &out);
    return out;
  }

  base::ManualClock clock_{absl::FromUnixSeconds(1000)};
  Histogram histogram_;
  FakeLog* fake_ = nullptr;
  std::unique_ptr<TimedIngestLog> log_;
};

TEST_F(TimedIngestLogTest, ObservesEachRecordFromAppendToCommit) {
  Make(/*already_waiting=*/0);
  int done_calls = 0;
  auto a = Batch(&done_calls);
  ASSERT_TRUE(log_->TryAppend(a));                  // t = 0
  clock_.Advance(absl::Milliseconds(3));
  auto b = Batch(&done_calls);
  ASSERT_TRUE(log_->TryAppend(b));                  // t = 3 ms
  fake_->Complete(2, /*duplicates=*/1);             // duplicates are not in the log
  fake_->Complete(1);
  EXPECT_EQ(done_calls, 2);
  clock_.Advance(absl::Milliseconds(17));                   // commit at 20 ms
  ASSERT_TRUE(log_->Consumed(Entries(3)).ok());
  EXPECT_EQ(fake_->consumed_total, 3u);
  EXPECT_EQ(histogram_.count(), 3u);
  const std::string text = Render();
  // Two records took 20 ms (bucket le=0.025), one 17 ms: all three in 0.025, none in 0.01.
  EXPECT_NE(text.find("d_bucket{le=\"0.01\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_bucket{le=\"0.025\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_sum 0.057000\n"), std::string::npos) << text;
}

TEST_F(TimedIngestLogTest, RecordsWaitingAtStartAreNotTimed) {
  Make(/*already_waiting=*/4);
  int done_calls = 0;
  auto a = Batch(&done_calls);
  ASSERT_TRUE(log_->TryAppend(a));
  fake_->Complete(2);
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(log_->Consumed(Entries(5)).ok());  // 4 from before the start, then 1 of ours
  EXPECT_EQ(histogram_.count(), 1u);
  ASSERT_TRUE(log_->Consumed(Entries(1)).ok());
  EXPECT_EQ(histogram_.count(), 2u);
  EXPECT_NE(Render().find("d_sum 4.000000\n"), std::string::npos) << Render();
}

TEST_F(TimedIngestLogTest, ConsumedBeforeTheAppendCompletedIsObservedWhenItDoes) {
  Make(0);
  int done_calls = 0;
  auto a = Batch(&done_calls);
  ASSERT_TRUE(log_->TryAppend(a));
  clock_.Advance(absl::Milliseconds(1));
  ASSERT_TRUE(log_->Consumed(Entries(2)).ok());  // the writer thread has not run done yet
  EXPECT_EQ(histogram_.count(), 0u);
  clock_.Advance(absl::Milliseconds(1));
  fake_->Complete(3);
  EXPECT_EQ(histogram_.count(), 2u);
  ASSERT_TRUE(log_->Consumed(Entries(1)).ok());
  EXPECT_EQ(histogram_.count(), 3u);
}

TEST_F(TimedIngestLogTest, ARefusedAppendLeavesTheBatchUntouched) {
  Make(0);
  fake_->full = true;
  int done_calls = 0;
  auto a = Batch(&done_calls);
  EXPECT_FALSE(log_->TryAppend(a));
  ASSERT_TRUE(a.done);
  a.done(absl::OkStatus(), {});
  EXPECT_EQ(done_calls, 1);  // the caller's own callback, not a wrapper
  EXPECT_EQ(histogram_.count(), 0u);
}

// On Kafka: each record timed from its message's create time to the commit.
TEST(StampedIngestLogTest, ObservesEachRecordFromItsAcceptanceTimeToTheJournal) {
  Histogram histogram;
  base::ManualClock clock(absl::FromUnixSeconds(1000));
  const absl::Time now = clock.Now();
  auto fake = std::make_unique<FakeLog>();
  FakeLog* inner = fake.get();
  StampedIngestLog log(std::move(fake), &histogram, &clock);
  std::vector<IngestLog::Entry> entries(4);
  entries[0].accepted_at = now - absl::Milliseconds(20);
  entries[1].accepted_at = now - absl::Milliseconds(3);
  // entries[2]: no time known (not observed)
  entries[3].accepted_at = now + absl::Milliseconds(5);  // another machine's clock ahead: 0
  ASSERT_TRUE(log.Consumed(entries).ok());
  EXPECT_EQ(inner->consumed_total, 4u);
  EXPECT_EQ(histogram.count(), 3u);
  std::string text;
  histogram.Render("d", "help", &text);
  EXPECT_NE(text.find("d_sum 0.023000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_bucket{le=\"0.005\"} 2\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace accord::hub
