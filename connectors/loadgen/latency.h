// Latency samples and their percentiles, for accord-loadgen.
//
// Thread safety: a LatencyRecorder is thread-compatible (one writer); merge
// recorders from several threads after they stop with Merge().
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace accord::loadgen {

class LatencyRecorder {
 public:
  // Keeps at most `max_samples` samples: beyond that, every k-th sample is
  // kept (k doubles each time the store fills), so memory stays bounded on a
  // long run and the percentiles stay unbiased for a steady load.
  explicit LatencyRecorder(size_t max_samples = 1 << 20);

  void Add(int64_t micros);
  void Merge(const LatencyRecorder& other);
  uint64_t count() const { return count_; }
  // The p-th percentile (0 < p <= 100) of the kept samples, in microseconds;
  // 0 when there are none. Sorts a copy.
  int64_t Percentile(double p) const;

 private:
  size_t max_samples_;
  uint64_t count_ = 0;
  uint64_t stride_ = 1;
  std::vector<int64_t> samples_;
};

}  // namespace accord::loadgen
