#include "pending_delivery.h"

#include "absl/strings/str_cat.h"
#include "accord/hub/core/thread_name.h"

namespace accord::hub::kafka {

void PendingDelivery::Fail(absl::Status status) {
  absl::MutexLock lock(&mu_);
  if (error_.ok()) error_ = std::move(status);
}

void PendingDelivery::Release(size_t n) {
  if (remaining_.fetch_sub(n) != n) return;
  absl::Status error;
  {
    absl::MutexLock lock(&mu_);
    error = error_;
  }
  done_(std::move(error));
  delete this;
}

void OnPendingDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* p = static_cast<PendingDelivery*>(msg->_private);
  if (p == nullptr) return;
  if (msg->err) p->Fail(FromKafka(msg->err, p->what_));
  p->Release(1);
}

DeliveryPoller::DeliveryPoller(rd_kafka_t* producer, std::string thread_name) : producer_(producer) {
  thread_ = std::thread([this, name = std::move(thread_name)] {
    NameThisThread(name);
    Run();
  });
}

DeliveryPoller::~DeliveryPoller() { Stop(/*flush_timeout_ms=*/0); }

PendingDelivery* DeliveryPoller::Begin(size_t messages, std::string what,
                                       std::function<void(absl::Status)> done) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return nullptr;
  ++producing_;
  return new PendingDelivery(messages, std::move(what), std::move(done));
}

void DeliveryPoller::Queued(PendingDelivery* run, size_t queued) {
  // Unqueued messages count as reported; the run's own +1 stays until the
  // poller thread takes it, so `done` cannot run here.
  if (queued < run->messages_) run->Release(run->messages_ - queued);
  {
    absl::MutexLock lock(&mu_);
    handed_over_.push_back(run);
    --producing_;
  }
  rd_kafka_yield(producer_);  // wakes the poller's rd_kafka_poll at once
}

void DeliveryPoller::CompleteHandedOver() {
  std::vector<PendingDelivery*> runs;
  {
    absl::MutexLock lock(&mu_);
    runs.swap(handed_over_);
  }
  for (PendingDelivery* run : runs) run->Release(1);
}

void DeliveryPoller::Run() {
  while (!thread_stop_.load()) {
    rd_kafka_poll(producer_, 50);
    CompleteHandedOver();
  }
}

void DeliveryPoller::Stop(int flush_timeout_ms) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    // Runs being produced finish producing (their messages then get reports).
    mu_.Await(absl::Condition(
        +[](size_t* producing) { return *producing == 0; }, &producing_));
  }
  // Every queued message gets its report (a failure for the purged); the
  // reports run here or on the poller thread, completing runs already taken.
  FlushOrPurge(producer_, flush_timeout_ms);
  thread_stop_.store(true);
  rd_kafka_yield(producer_);
  if (thread_.joinable()) thread_.join();
  CompleteHandedOver();
}

absl::StatusOr<KafkaPtr> NewPendingDeliveryProducer(const std::map<std::string, std::string>& properties) {
  auto conf = MakeConf(properties);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &OnPendingDelivery);
  char err[512];
  KafkaPtr producer(rd_kafka_new(RD_KAFKA_PRODUCER, conf->release(), err, sizeof(err)));
  if (!producer) return absl::InvalidArgumentError(absl::StrCat("Kafka producer: ", err));
  return producer;
}

}  // namespace accord::hub::kafka
