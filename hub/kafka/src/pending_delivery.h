// PendingDelivery: messages produced together (a Publish batch, a journal
// append, a run of quarantined records) whose outcome is reported once, when
// Kafka has acknowledged or failed every one of them.
//
// Use: Start(n, ...), then produce up to n messages with the PendingDelivery*
// as each message's opaque (RD_KAFKA_V_OPAQUE) on a producer whose
// dr_msg_cb is OnPendingDelivery; Fail() anything that stops the run early;
// then Queued(k) once with how many were queued. `done` runs exactly once,
// with OK or the first error, on whichever thread brings the count to zero
// (a delivery-report thread, or the caller of Queued), and must not block.
// The object deletes itself after `done`.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "rdkafka.h"

namespace accord::hub::kafka {

class PendingDelivery {
 public:
  // `what` names the messages in errors, e.g. "producing to the journal".
  static PendingDelivery* Start(size_t messages, std::string what, std::function<void(absl::Status)> done);

  // Records `status` as the run's error unless one is recorded already.
  void Fail(absl::Status status);
  // Call once, after producing: `queued` of the `messages` were queued; the
  // rest will get no delivery report.
  void Queued(size_t queued);

 private:
  friend void OnPendingDelivery(rd_kafka_t*, const rd_kafka_message_t*, void*);
  PendingDelivery(size_t messages, std::string what, std::function<void(absl::Status)> done)
      : messages_(messages), what_(std::move(what)), done_(std::move(done)), remaining_(messages + 1) {}
  void Release(size_t n);

  const size_t messages_;
  const std::string what_;
  const std::function<void(absl::Status)> done_;
  std::atomic<size_t> remaining_;  // messages not yet reported, + 1 until Queued()
  absl::Mutex mu_;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

// The dr_msg_cb of producers whose messages carry a PendingDelivery (or none).
void OnPendingDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);

}  // namespace accord::hub::kafka
