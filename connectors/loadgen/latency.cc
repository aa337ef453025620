#include "latency.h"

#include <algorithm>
#include <cmath>

namespace accord::loadgen {

LatencyRecorder::LatencyRecorder(size_t max_samples) : max_samples_(std::max<size_t>(max_samples, 2)) {}

void LatencyRecorder::Add(int64_t micros) {
  if (count_++ % stride_ != 0) return;
  samples_.push_back(micros);
  if (samples_.size() >= max_samples_) {
    // Keep every other sample and halve the rate from now on.
    size_t w = 0;
    for (size_t r = 0; r < samples_.size(); r += 2) samples_[w++] = samples_[r];
    samples_.resize(w);
    stride_ *= 2;
  }
}

void LatencyRecorder::Merge(const LatencyRecorder& other) {
  count_ += other.count_;
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
}

int64_t LatencyRecorder::Percentile(double p) const {
  if (samples_.empty()) return 0;
  std::vector<int64_t> sorted = samples_;
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  const size_t index = std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1);
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(index), sorted.end());
  return sorted[index];
}

}  // namespace accord::loadgen
