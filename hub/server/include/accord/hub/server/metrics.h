// Hub metrics in the Prometheus text exposition format (version 0.0.4).
//
// Names and labels never carry personal data: only agency ids, agreement ids,
// reason codes and subscriber ids.
//
// Threading: every method is thread-safe. Counters and histograms are
// lock-free on the hot path (atomics); labelled families take a mutex only
// when a new label set first appears.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace accord::hub {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Latency histogram with fixed buckets in seconds (0.5 ms .. 10 s).
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1.0,   2.5,   5.0,  10.0};
  void Observe(double seconds);
  void Render(const std::string& name, const std::string& labels, std::string* out) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

// A counter family keyed by label values, e.g. {reason="REJECT_WRONG_TYPE"}.
class CounterFamily {
 public:
  CounterFamily(std::vector<std::string> label_names) : label_names_(std::move(label_names)) {}
  Counter& With(const std::vector<std::string>& label_values);
  void Render(const std::string& name, std::string* out) const;

 private:
  std::vector<std::string> label_names_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Counter>> counters_ ABSL_GUARDED_BY(mu_);
};

class HubMetrics {
 public:
  Counter records_received;
  Counter records_accepted;
  Counter records_duplicate;
  CounterFamily records_rejected{{"reason"}};
  // The same rejections per publishing agency (its certificate) and dataset
  // (a dataset the agency has an active flow for, else "unknown", so a
  // caller cannot grow the label set): the analyst's data-sharing health.
  CounterFamily records_rejected_by_source{{"agency", "dataset", "reason"}};
  CounterFamily disclosures{{"agreement", "recipient"}};
  Histogram publish_ack_seconds;      // batch received -> acked
  Histogram publish_delivery_seconds; // record accepted -> committed to feeds

  // Gauges computed at scrape time (feed lag per subscriber, ledger size...).
  void AddGaugeSource(std::function<void(std::string* out)> source);

  std::string Render() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::function<void(std::string*)>> gauges_ ABSL_GUARDED_BY(mu_);
};

// Escapes a label value for the text format.
std::string EscapeLabel(const std::string& v);

}  // namespace accord::hub
