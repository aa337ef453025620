// What the hub tells load balancers and orchestrators about itself.
//
// grpc.health.v1 answers per service (accord.v1.IngestService,
// accord.v1.FeedService, accord.v1.AgreementService, accord.v1.AuditService)
// and for the whole server (""), which serves only when every service does.
// The metrics port answers plain HTTP (no client certificate) with
//   /healthz  200 while the process runs (liveness);
//   /readyz   200 "ready" when it can serve, else 503 with one reason a line.
//
// A service cannot serve when:
//   - the database is closed or the hub is shutting down: every service;
//   - the policy stage is not running: Ingest (accepted records would not be
//     processed) and Feed (nothing new would arrive);
//   - no Kafka broker has answered this process for a while (Kafka backend,
//     KafkaProbe): Ingest (records go to Kafka first) and Agreement (changes
//     go through the journal); Feed and Audit still answer from what this
//     process has applied;
//   - this process missed journal entries it can no longer read (Kafka, several
//     processes): Feed, Agreement and Audit, whose answers would differ from
//     the other processes'; Ingest still serves (the records go to Kafka and the
//     healthy processes apply the flows).
//
// Threading: EvaluateHealth is pure. HealthMonitor::Check() is thread-safe;
// Publish() is called from one thread at a time (the hub's refresher).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/health_check_service_interface.h"

namespace accord::hub {

struct HealthInputs {
  bool db_open = false;
  bool shutting_down = false;
  bool policy_running = false;
  bool journal_healthy = true;  // true when there is no journal (embedded)
  bool kafka_reachable = true;  // true when there is no Kafka (embedded)
};

struct HealthReport {
  bool ready = false;
  std::vector<std::string> problems;                   // why not ready (no personal data)
  std::vector<std::pair<std::string, bool>> services;  // full service name -> serving
};

// The four service names, in a fixed order.
const std::vector<std::string>& AccordServiceNames();

HealthReport EvaluateHealth(const HealthInputs& in);

class HealthMonitor {
 public:
  explicit HealthMonitor(std::function<HealthInputs()> probe) : probe_(std::move(probe)) {}

  HealthReport Check() const { return EvaluateHealth(probe_()); }

  // Sets each service's status (and "") in `service`, logging each change.
  void Publish(grpc::HealthCheckServiceInterface* service);

 private:
  const std::function<HealthInputs()> probe_;
  absl::Mutex mu_;
  std::vector<std::pair<std::string, bool>> published_ ABSL_GUARDED_BY(mu_);
};

}  // namespace accord::hub
