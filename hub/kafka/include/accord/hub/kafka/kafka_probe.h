// KafkaProbe: whether this hub process reaches its Kafka cluster, for
// readiness (/readyz and grpc.health, hub/server/src/health.h).
//
// A thread asks the cluster for its broker list (a metadata request, on a
// handle of its own with the hub's Kafka properties, TLS/SASL included)
// every `interval`. reachable() is true while a broker answered within the
// last `window` (and from Start() until the first `window` has passed, so a
// process is not reported down before it has tried). A process that cannot
// reach a broker cannot take records (Publish appends to Kafka) or share
// agreement changes (the journal), so it should not get traffic.
//
// Threading: reachable() and since_last_answer() are thread-safe. The probe's
// thread never calls back into the hub. The destructor stops it (within one
// metadata timeout).
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "accord/hub/kafka/kafka_config.h"

namespace accord::base {
class Clock;
}  // namespace accord::base

namespace accord::hub {

struct KafkaProbeOptions {
  absl::Duration interval = absl::Seconds(2);  // between requests
  absl::Duration timeout = absl::Seconds(2);   // for one request
  absl::Duration window = absl::Seconds(10);   // reachable if an answer is this recent
  // Times answers and the window (accord/base/clock.h; borrowed, must
  // outlive the probe). Null: the real clock. The interval and the request
  // timeout are real time (the probe's thread waits for them).
  const base::Clock* clock = nullptr;
};

class KafkaProbe {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaProbe>> Start(const KafkaConfig& config,
                                                           KafkaProbeOptions options = {});
  ~KafkaProbe();

  bool reachable() const;
  // How long since a broker last answered (since Start() if none has).
  absl::Duration since_last_answer() const;

 private:
  struct Impl;
  explicit KafkaProbe(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::hub
