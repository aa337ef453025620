// Hub metrics in the Prometheus text exposition format (version 0.0.4).
//
// Every family has HELP and TYPE lines and its unit in its name (records,
// entries, seconds; counters end in _total), so `promtool check metrics`
// accepts the page (tests/hub/hub_ops_test.cc runs it).
//
// Names and labels never carry personal data: only agency ids, agreement ids,
// dataset names, reason codes and subscriber ids.
//
// Persistence: the counters (rejections above all) survive a restart:
// SaveCounters()/RestoreCounters() write and read them as one JSON document,
// which the hub keeps in its RocksDB meta column family (metrics_store.h).
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
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
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
  // HELP, TYPE and the samples.
  void Render(const std::string& name, const std::string& help, std::string* out) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

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
  // HELP, TYPE and one sample per label set.
  void Render(const std::string& name, const std::string& help, std::string* out) const;
  // Every label set and its value.
  std::map<std::vector<std::string>, uint64_t> Snapshot() const;
  size_t label_count() const { return label_names_.size(); }

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
  Histogram publish_ack_seconds;       // batch received -> acknowledged (durable)
  // Record accepted at ingest -> its outcome committed to feeds, audit store
  // and ledger (delivery_timer.h; embedded log only, see there).
  Histogram publish_delivery_seconds;
  Counter quarantined;
  // Kept quarantined records re-appended by QuarantineService.ReplayQuarantined.
  Counter replayed;

  // Families computed at scrape time (feed lag per subscriber, ledger size...).
  void AddGaugeSource(std::function<void(std::string* out)> source);

  std::string Render() const;

  // The counters above (not the histograms) as one JSON document, and back:
  // restored values are added to the current ones. InvalidArgument when the
  // text is not such a document.
  std::string SaveCounters() const;
  absl::Status RestoreCounters(std::string_view saved);

 private:
  mutable absl::Mutex mu_;
  std::vector<std::function<void(std::string*)>> gauges_ ABSL_GUARDED_BY(mu_);
};

// Escapes a label value for the text format.
std::string EscapeLabel(const std::string& v);

// "# HELP name help\n# TYPE name type\n".
void AppendFamilyHeader(std::string* out, std::string_view name, std::string_view type, std::string_view help);
// HELP, TYPE and one unlabelled sample.
void AppendGauge(std::string* out, std::string_view name, std::string_view help, uint64_t value);
void AppendCounter(std::string* out, std::string_view name, std::string_view help, uint64_t value);

}  // namespace accord::hub
