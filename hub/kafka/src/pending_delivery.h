// PendingDelivery and DeliveryPoller: messages produced together (a Publish
// batch, a journal append, a run of quarantined records) whose outcome is
// reported once, when Kafka has acknowledged or failed every one of them, and
// always on the producer's poller thread.
//
// Use, with a producer whose dr_msg_cb is OnPendingDelivery:
//   PendingDelivery* run = poller.Begin(n, "producing to X", done);
//   if (run == nullptr) ...;                // stopping: produce nothing
//   ... produce up to n messages with RD_KAFKA_V_OPAQUE(run) ...;
//   run->Fail(status) for anything that stops the run early;
//   poller.Queued(run, k);                  // k of the n were queued
//
// `done` runs exactly once, with OK or the first error, and ALWAYS on the
// poller thread (or, after the poller stopped, on the thread calling Stop()),
// never inside Begin() or Queued(). Callers may therefore hold their own locks
// while producing, and `done` may take them. (Running `done` on the caller of
// Queued() when every report had already arrived re-entered the Publish
// reactor's mutex and killed the hub: issue 13, item 0.) `done` must not block.
// A run deletes itself after `done`.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "rdkafka.h"

namespace accord::hub::kafka {

class DeliveryPoller;

class PendingDelivery {
 public:
  // Records `status` as the run's error unless one is recorded already.
  // Thread-safe.
  void Fail(absl::Status status);

 private:
  friend class DeliveryPoller;
  friend void OnPendingDelivery(rd_kafka_t*, const rd_kafka_message_t*, void*);
  PendingDelivery(size_t messages, std::string what, std::function<void(absl::Status)> done)
      : messages_(messages), what_(std::move(what)), done_(std::move(done)), remaining_(messages + 1) {}
  // Counts `n` reports (or unqueued messages); the last one runs `done` and
  // deletes the run.
  void Release(size_t n);

  const size_t messages_;
  const std::string what_;
  const std::function<void(absl::Status)> done_;
  // Messages not yet reported, + 1 held until the poller thread takes the run.
  std::atomic<size_t> remaining_;
  absl::Mutex mu_;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

// The one thread serving a producer's delivery reports (rd_kafka_poll), and
// so the thread on which runs complete.
//
// Threading: Begin() and Queued() are thread-safe; Stop() is called once, by
// the owner, after which Begin() returns nullptr.
class DeliveryPoller {
 public:
  // Starts polling `producer` (not owned; must outlive this object) on a
  // thread named `thread_name`.
  DeliveryPoller(rd_kafka_t* producer, std::string thread_name);
  ~DeliveryPoller();
  DeliveryPoller(const DeliveryPoller&) = delete;
  DeliveryPoller& operator=(const DeliveryPoller&) = delete;

  // A new run of `messages` messages; nullptr once Stop() has begun (the
  // caller then produces nothing and reports its own error).
  PendingDelivery* Begin(size_t messages, std::string what, std::function<void(absl::Status)> done);
  // After producing: `queued` of the run's messages were queued (the rest
  // will get no delivery report). Never runs `done` on the calling thread.
  void Queued(PendingDelivery* run, size_t queued);

  // Refuses new runs, waits for runs being produced to be Queued(), waits up
  // to `flush_timeout_ms` for every message's report (purging the rest, which
  // then fail), completes every run and ends the thread. Idempotent.
  void Stop(int flush_timeout_ms);

 private:
  void Run();
  // Completes the runs handed over since the last call (the +1 each holds).
  void CompleteHandedOver();

  rd_kafka_t* const producer_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  size_t producing_ ABSL_GUARDED_BY(mu_) = 0;  // runs begun and not yet Queued()
  std::vector<PendingDelivery*> handed_over_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> thread_stop_{false};
  std::thread thread_;
};

// The dr_msg_cb of producers whose messages carry a PendingDelivery (or none).
void OnPendingDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);

// A producer configured with `properties` (MakeConf) whose delivery reports
// go to OnPendingDelivery. InvalidArgument naming what librdkafka refused.
absl::StatusOr<KafkaPtr> NewPendingDeliveryProducer(const std::map<std::string, std::string>& properties);

}  // namespace accord::hub::kafka
