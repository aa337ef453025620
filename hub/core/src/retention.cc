#include "accord/hub/core/retention.h"

#include "absl/strings/str_join.h"
#include "accord/base/clock.h"
#include "accord/hub/core/record_store.h"
#include "accord/hub/core/rocksdb_ingest_log.h"
#include "spdlog/spdlog.h"

namespace accord::hub {

absl::Status RetentionOptions::Validate() const {
  if (!agreements) return absl::InvalidArgumentError("retention needs the stored agreements");
  if (!erase_expired) return absl::InvalidArgumentError("retention needs a record erasure");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Retention>> Retention::Create(RetentionOptions options) {
  if (auto s = options.Validate(); !s.ok()) return s;
  if (options.clock == nullptr) options.clock = base::RealClock::Get();
  return std::unique_ptr<Retention>(new Retention(std::move(options)));
}

absl::StatusOr<std::unique_ptr<Retention>> Retention::ForHub(const AgreementRegistry* agreements,
                                                             RecordStore* records,
                                                             RocksDbIngestLog* embedded_log,
                                                             const base::Clock* clock) {
  if (agreements == nullptr || records == nullptr) {
    return absl::InvalidArgumentError("retention needs the agreement registry and the record store");
  }
  RetentionOptions options;
  options.agreements = [agreements] { return agreements->List(); };
  options.erase_expired = [records](const RetentionTerms& terms, absl::Time at) {
    return records->EraseExpired(terms, at);
  };
  if (embedded_log != nullptr) {
    options.sweep_quarantine = [embedded_log](absl::Time at) { return embedded_log->SweepQuarantine(at); };
  }
  options.clock = clock;
  return Create(std::move(options));
}

RetentionTerms Retention::TermsInForce(const std::vector<AgreementView>& views) {
  RetentionTerms terms;
  absl::flat_hash_map<std::string, uint32_t> version;
  for (const AgreementView& view : views) {
    if (view.agreement == nullptr) continue;
    const auto state = view.status.state;
    if (state != policy::AgreementState::kActive && state != policy::AgreementState::kExpired &&
        state != policy::AgreementState::kWithdrawn) {
      continue;  // never in force: sets no terms
    }
    const policy::Agreement& a = *view.agreement;
    auto [it, first] = version.try_emplace(a.id, a.version);
    if (first || a.version >= it->second) {
      it->second = a.version;
      terms[a.id] = a.retention_days;
    }
  }
  return terms;
}

absl::StatusOr<std::vector<std::string>> Retention::RunOnce() {
  absl::MutexLock lock(&run_mu_);
  const absl::Time now = options_.clock->Now();
  stats_.runs.fetch_add(1, std::memory_order_relaxed);
  absl::Status first_error;

  auto erased = options_.erase_expired(TermsInForce(options_.agreements()), now);
  if (!erased.ok()) {
    stats_.erase_errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("retention: erasing periods past their agreement's retention failed (retried in the next run): {}",
                  std::string(erased.status().message()));
    first_error = erased.status();
  } else if (!erased->empty()) {
    stats_.periods_erased.fetch_add(erased->size(), std::memory_order_relaxed);
    spdlog::info("retention: erased {} period(s) past their agreement's retention: {}", erased->size(),
                 absl::StrJoin(*erased, ", "));
  }

  if (options_.sweep_quarantine) {
    if (auto s = options_.sweep_quarantine(now); !s.ok()) {
      stats_.quarantine_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("quarantine retention: dropping kept records past their retention failed (retried in the "
                    "next run): {}",
                    std::string(s.message()));
      if (first_error.ok()) first_error = s;
    }
  }
  if (!first_error.ok()) return first_error;
  return std::move(erased).value();
}

}  // namespace accord::hub
