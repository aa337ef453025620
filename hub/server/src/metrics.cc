#include "accord/hub/server/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace accord::hub {

std::string EscapeLabel(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Histogram::Render(const std::string& name, const std::string& labels, std::string* out) const {
  absl::StrAppend(out, "# TYPE ", name, " histogram\n");
  uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    absl::StrAppend(out, name, "_bucket{", labels, sep, "le=\"", absl::StrFormat("%g", kBounds[i]),
                    "\"} ", cumulative, "\n");
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  absl::StrAppend(out, name, "_bucket{", labels, sep, "le=\"+Inf\"} ", cumulative, "\n");
  absl::StrAppend(out, name, "_sum", labels.empty() ? "" : absl::StrCat("{", labels, "}"), " ",
                  absl::StrFormat("%.6f", sum_micros_.load(std::memory_order_relaxed) / 1e6), "\n");
  absl::StrAppend(out, name, "_count", labels.empty() ? "" : absl::StrCat("{", labels, "}"), " ",
                  count_.load(std::memory_order_relaxed), "\n");
}

Counter& CounterFamily::With(const std::vector<std::string>& label_values) {
  absl::MutexLock lock(&mu_);
  auto& slot = counters_[label_values];
  if (slot == nullptr) slot = std::make_unique<Counter>();
  return *slot;
}

void CounterFamily::Render(const std::string& name, std::string* out) const {
  absl::StrAppend(out, "# TYPE ", name, " counter\n");
  absl::MutexLock lock(&mu_);
  for (const auto& [values, counter] : counters_) {
    std::string labels;
    for (size_t i = 0; i < values.size() && i < label_names_.size(); ++i) {
      absl::StrAppend(&labels, i ? "," : "", label_names_[i], "=\"", EscapeLabel(values[i]), "\"");
    }
    absl::StrAppend(out, name, "{", labels, "} ", counter->value(), "\n");
  }
}

void HubMetrics::AddGaugeSource(std::function<void(std::string* out)> source) {
  absl::MutexLock lock(&mu_);
  gauges_.push_back(std::move(source));
}

std::string HubMetrics::Render() const {
  std::string out;
  auto counter = [&](const char* name, const Counter& c) {
    absl::StrAppend(&out, "# TYPE ", name, " counter\n", name, " ", c.value(), "\n");
  };
  counter("accord_records_received_total", records_received);
  counter("accord_records_accepted_total", records_accepted);
  counter("accord_records_duplicate_total", records_duplicate);
  records_rejected.Render("accord_records_rejected_total", &out);
  records_rejected_by_source.Render("accord_records_rejected_by_source_total", &out);
  disclosures.Render("accord_disclosures_total", &out);
  publish_ack_seconds.Render("accord_publish_ack_seconds", "", &out);
  publish_delivery_seconds.Render("accord_publish_delivery_seconds", "", &out);
  absl::MutexLock lock(&mu_);
  for (const auto& g : gauges_) g(&out);
  return out;
}

}  // namespace accord::hub
