#include "pending_delivery.h"

namespace accord::hub::kafka {

PendingDelivery* PendingDelivery::Start(size_t messages, std::string what,
                                        std::function<void(absl::Status)> done) {
  return new PendingDelivery(messages, std::move(what), std::move(done));
}

void PendingDelivery::Fail(absl::Status status) {
  absl::MutexLock lock(&mu_);
  if (error_.ok()) error_ = std::move(status);
}

void PendingDelivery::Queued(size_t queued) { Release(messages_ - queued + 1); }

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

}  // namespace accord::hub::kafka
