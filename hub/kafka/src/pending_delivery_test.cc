// A run's `done` runs on the poller thread, never on the thread that produced
// it, even when every delivery report arrived before Queued() or nothing was
// queued at all. The Publish reactor holds its mutex while producing and
// `done` takes it: run inline, that re-entered the mutex and killed the hub
// (issue 13, item 0). Each case holds a mutex across Queued() that `done`
// also takes, as the reactor does.
#include "pending_delivery.h"

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace accord::hub::kafka {
namespace {

struct Producer {
  explicit Producer(const char* bootstrap) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    if (bootstrap != nullptr) {
      rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
    } else {
      rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof(err));
    }
    rd_kafka_conf_set(conf, "linger.ms", "0", err, sizeof(err));
    rd_kafka_conf_set(conf, "message.timeout.ms", "5000", err, sizeof(err));
    rd_kafka_conf_set_dr_msg_cb(conf, &OnPendingDelivery);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  }
  ~Producer() { rd_kafka_destroy(rk); }
  rd_kafka_t* rk = nullptr;
};

struct Outcome {
  absl::Mutex held;  // the "reactor" mutex: held across Queued(), taken by done
  absl::Notification done;
  absl::Status status;
  std::thread::id thread;
};

std::function<void(absl::Status)> Done(Outcome* o) {
  return [o](absl::Status s) {
    absl::MutexLock lock(&o->held);
    o->status = std::move(s);
    o->thread = std::this_thread::get_id();
    o->done.Notify();
  };
}

TEST(DeliveryPollerTest, ARunWithNothingQueuedCompletesOnThePollerThread) {
  Producer producer("127.0.0.1:1");
  ASSERT_NE(producer.rk, nullptr);
  DeliveryPoller poller(producer.rk, "test-poll");
  Outcome o;
  {
    absl::MutexLock lock(&o.held);
    PendingDelivery* run = poller.Begin(3, "producing to a test topic", Done(&o));
    ASSERT_NE(run, nullptr);
    run->Fail(absl::UnavailableError("queue full"));
    poller.Queued(run, 0);
    EXPECT_FALSE(o.done.HasBeenNotified());  // not inline
  }
  ASSERT_TRUE(o.done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(o.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(o.thread, std::this_thread::get_id());
}

TEST(DeliveryPollerTest, ARunWhoseReportsAllArrivedBeforeQueuedCompletesOnThePollerThread) {
  Producer producer(nullptr);  // librdkafka's built-in mock broker
  ASSERT_NE(producer.rk, nullptr);
  DeliveryPoller poller(producer.rk, "test-poll");
  Outcome o;
  {
    absl::MutexLock lock(&o.held);
    PendingDelivery* run = poller.Begin(2, "producing to a test topic", Done(&o));
    ASSERT_NE(run, nullptr);
    for (int i = 0; i < 2; ++i) {
      ASSERT_EQ(rd_kafka_producev(producer.rk, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_VALUE(const_cast<char*>("v"), 1),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(run),
                                  RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    // Both reports are served (on the poller thread) before Queued().
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (rd_kafka_outq_len(producer.rk) > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
    ASSERT_EQ(rd_kafka_outq_len(producer.rk), 0);
    poller.Queued(run, 2);
    EXPECT_FALSE(o.done.HasBeenNotified());
  }
  ASSERT_TRUE(o.done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(o.status.ok()) << o.status;
  EXPECT_NE(o.thread, std::this_thread::get_id());
}

TEST(DeliveryPollerTest, StopCompletesEveryRunAndRefusesNewOnes) {
  Producer producer("127.0.0.1:1");  // nothing listens: messages stay queued
  ASSERT_NE(producer.rk, nullptr);
  DeliveryPoller poller(producer.rk, "test-poll");
  Outcome o;
  PendingDelivery* run = poller.Begin(1, "producing to a test topic", Done(&o));
  ASSERT_NE(run, nullptr);
  ASSERT_EQ(rd_kafka_producev(producer.rk, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_VALUE(const_cast<char*>("v"), 1),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(run), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  poller.Queued(run, 1);
  poller.Stop(/*flush_timeout_ms=*/100);  // purges the undelivered message
  ASSERT_TRUE(o.done.HasBeenNotified());
  EXPECT_FALSE(o.status.ok());
  EXPECT_EQ(poller.Begin(1, "late", [](absl::Status) {}), nullptr);
}

}  // namespace
}  // namespace accord::hub::kafka
