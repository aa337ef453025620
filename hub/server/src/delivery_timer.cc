#include "delivery_timer.h"

#include <algorithm>

#include "accord/base/clock.h"

namespace accord::hub {

TimedIngestLog::TimedIngestLog(std::unique_ptr<IngestLog> inner, uint64_t already_waiting,
                               Histogram* histogram, const base::Clock* clock)
    : ForwardingIngestLog(std::move(inner)), histogram_(histogram), clock_(clock), untimed_(already_waiting) {}

bool TimedIngestLog::TryAppend(Batch& batch) {
  const absl::Time at = clock_->Now();
  auto done = std::move(batch.done);
  batch.done = [this, at, done](absl::Status status, const std::vector<Outcome>& outcomes) {
    if (status.ok()) {
      uint64_t accepted = 0;
      for (Outcome o : outcomes) accepted += o == Outcome::kAccepted;
      if (accepted > 0) Accepted(at, accepted);
    }
    done(std::move(status), outcomes);
  };
  if (ForwardingIngestLog::TryAppend(batch)) return true;
  batch.done = std::move(done);  // untouched, as the contract says
  return false;
}

void TimedIngestLog::Accepted(absl::Time at, uint64_t n) {
  absl::MutexLock lock(&mu_);
  if (consumed_ahead_ > 0) {
    // Already committed: observe them now.
    const uint64_t k = std::min(consumed_ahead_, n);
    const double seconds = absl::ToDoubleSeconds(clock_->Now() - at);
    for (uint64_t i = 0; i < k; ++i) histogram_->Observe(seconds);
    consumed_ahead_ -= k;
    n -= k;
  }
  if (n > 0) runs_.push_back(Run{at, n});
}

absl::Status TimedIngestLog::Consumed(const std::vector<Entry>& consumed) {
  absl::Status s = ForwardingIngestLog::Consumed(consumed);
  const absl::Time now = clock_->Now();
  uint64_t n = consumed.size();
  absl::MutexLock lock(&mu_);
  const uint64_t skip = std::min(untimed_, n);
  untimed_ -= skip;
  n -= skip;
  while (n > 0 && !runs_.empty()) {
    Run& run = runs_.front();
    const uint64_t k = std::min(run.count, n);
    const double seconds = absl::ToDoubleSeconds(now - run.at);
    for (uint64_t i = 0; i < k; ++i) histogram_->Observe(seconds);
    run.count -= k;
    n -= k;
    if (run.count == 0) runs_.pop_front();
  }
  consumed_ahead_ += n;
  return s;
}

absl::Status StampedIngestLog::Consumed(const std::vector<Entry>& consumed) {
  absl::Status s = ForwardingIngestLog::Consumed(consumed);
  if (!s.ok()) return s;
  const absl::Time now = clock_->Now();
  for (const Entry& e : consumed) {
    if (e.accepted_at == absl::InfinitePast()) continue;
    histogram_->Observe(std::max(0.0, absl::ToDoubleSeconds(now - e.accepted_at)));
  }
  return s;
}

}  // namespace accord::hub
