#include "health.h"

#include "accord/ops/logging.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/audit_service.grpc.pb.h"
#include "accord/v1/feed_service.grpc.pb.h"
#include "accord/v1/ingest_service.grpc.pb.h"

namespace accord::hub {

const std::vector<std::string>& AccordServiceNames() {
  static const auto* names = new std::vector<std::string>{
      v1::IngestService::service_full_name(), v1::FeedService::service_full_name(),
      v1::AgreementService::service_full_name(), v1::AuditService::service_full_name()};
  return *names;
}

HealthReport EvaluateHealth(const HealthInputs& in) {
  HealthReport r;
  const std::string ingest = v1::IngestService::service_full_name();
  const std::string feed = v1::FeedService::service_full_name();
  const std::string agreement = v1::AgreementService::service_full_name();
  const std::string audit = v1::AuditService::service_full_name();
  bool ingest_ok = true, feed_ok = true, agreement_ok = true, audit_ok = true;
  if (!in.db_open) {
    r.problems.push_back("database: not open");
    ingest_ok = feed_ok = agreement_ok = audit_ok = false;
  }
  if (in.shutting_down) {
    r.problems.push_back("shutting down");
    ingest_ok = feed_ok = agreement_ok = audit_ok = false;
  }
  if (!in.policy_running) {
    r.problems.push_back("policy stage: not running");
    ingest_ok = feed_ok = false;
  }
  if (!in.kafka_reachable) {
    r.problems.push_back(
        "kafka: no broker has answered this process recently; it cannot take records or share "
        "agreement changes until one does (check the brokers and kafka.brokers in the config)");
    ingest_ok = agreement_ok = false;
  }
  if (!in.journal_healthy) {
    r.problems.push_back(
        "journal: this process missed entries it can no longer read; re-seed its data directory "
        "(deploy/kafka/OPERATIONS.md)");
    feed_ok = agreement_ok = audit_ok = false;
  }
  r.services = {{ingest, ingest_ok}, {feed, feed_ok}, {agreement, agreement_ok}, {audit, audit_ok}};
  r.ready = r.problems.empty();
  return r;
}

void HealthMonitor::Publish(grpc::HealthCheckServiceInterface* service) {
  if (service == nullptr) return;
  HealthReport r = Check();
  std::vector<std::pair<std::string, bool>> now = r.services;
  now.emplace_back("", r.ready);
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < now.size(); ++i) {
    const auto& [name, serving] = now[i];
    const bool changed = published_.size() != now.size() || published_[i].second != serving;
    if (!changed) continue;
    service->SetServingStatus(name, serving);
    if (!published_.empty() || !serving) {
      ops::LogEvent(serving ? spdlog::level::info : spdlog::level::critical, "health",
                    serving ? "serving" : "not_serving",
                    {{"service", name.empty() ? "(all)" : name},
                     {"reason", r.problems.empty() ? "" : r.problems.front()}});
    }
  }
  published_ = std::move(now);
}

}  // namespace accord::hub
