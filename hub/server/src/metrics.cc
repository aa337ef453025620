#include "accord/hub/server/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

namespace accord::hub {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string Labels(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  std::string labels;
  for (size_t i = 0; i < values.size() && i < names.size(); ++i) {
    absl::StrAppend(&labels, i ? "," : "", names[i], "=\"", EscapeLabel(values[i]), "\"");
  }
  return labels;
}

}  // namespace

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

void AppendFamilyHeader(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  absl::StrAppend(out, "# HELP ", AV(name), " ", AV(help), "\n# TYPE ", AV(name), " ", AV(type), "\n");
}

void AppendGauge(std::string* out, std::string_view name, std::string_view help, uint64_t value) {
  AppendFamilyHeader(out, name, "gauge", help);
  absl::StrAppend(out, AV(name), " ", value, "\n");
}

void AppendCounter(std::string* out, std::string_view name, std::string_view help, uint64_t value) {
  AppendFamilyHeader(out, name, "counter", help);
  absl::StrAppend(out, AV(name), " ", value, "\n");
}

void Histogram::Observe(double seconds) {
  if (seconds < 0) seconds = 0;
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Histogram::Render(const std::string& name, const std::string& help, std::string* out) const {
  AppendFamilyHeader(out, name, "histogram", help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    absl::StrAppend(out, name, "_bucket{le=\"", absl::StrFormat("%g", kBounds[i]), "\"} ", cumulative, "\n");
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  absl::StrAppend(out, name, "_bucket{le=\"+Inf\"} ", cumulative, "\n");
  absl::StrAppend(out, name, "_sum ",
                  absl::StrFormat("%.6f", sum_micros_.load(std::memory_order_relaxed) / 1e6), "\n");
  absl::StrAppend(out, name, "_count ", cumulative, "\n");
}

Counter& CounterFamily::With(const std::vector<std::string>& label_values) {
  absl::MutexLock lock(&mu_);
  auto& slot = counters_[label_values];
  if (slot == nullptr) slot = std::make_unique<Counter>();
  return *slot;
}

void CounterFamily::Render(const std::string& name, const std::string& help, std::string* out) const {
  AppendFamilyHeader(out, name, "counter", help);
  absl::MutexLock lock(&mu_);
  for (const auto& [values, counter] : counters_) {
    absl::StrAppend(out, name, "{", Labels(label_names_, values), "} ", counter->value(), "\n");
  }
}

std::map<std::vector<std::string>, uint64_t> CounterFamily::Snapshot() const {
  std::map<std::vector<std::string>, uint64_t> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [values, counter] : counters_) out[values] = counter->value();
  return out;
}

void HubMetrics::AddGaugeSource(std::function<void(std::string* out)> source) {
  absl::MutexLock lock(&mu_);
  gauges_.push_back(std::move(source));
}

std::string HubMetrics::Render() const {
  std::string out;
  {
    // Sources first: one may bring a counter below up to date.
    absl::MutexLock lock(&mu_);
    for (const auto& g : gauges_) g(&out);
  }
  AppendCounter(&out, "accord_records_received_total",
                "Records received in Publish batches (before validation)", records_received.value());
  AppendCounter(&out, "accord_records_accepted_total", "Records accepted and durably stored at ingest",
                records_accepted.value());
  AppendCounter(&out, "accord_records_duplicate_total",
                "Records acknowledged as duplicates of a record already stored (same provider, dataset, id)",
                records_duplicate.value());
  records_rejected.Render("accord_records_rejected_total", "Records rejected at Publish, by reason code",
                          &out);
  records_rejected_by_source.Render(
      "accord_records_rejected_by_source_total",
      "Records rejected at Publish, by publishing agency, dataset (\"unknown\" when the agency has no "
      "active flow for it) and reason code",
      &out);
  disclosures.Render("accord_disclosures_total",
                     "Cleaned records disclosed to a recipient (committed to its feed and the ledger), by "
                     "agreement and recipient",
                     &out);
  AppendCounter(&out, "accord_records_quarantined_total",
                "Accepted records the policy stage could not process, kept sealed in quarantine",
                quarantined.value());
  AppendCounter(&out, "accord_records_replayed_total",
                "Kept quarantined records re-run through the policy stage at their provider's request "
                "(after an agreement fix)",
                replayed.value());
  publish_ack_seconds.Render("accord_publish_ack_seconds",
                             "Seconds from a Publish batch's arrival to its acknowledgement (records durable)",
                             &out);
  publish_delivery_seconds.Render(
      "accord_publish_delivery_seconds",
      "Seconds from a record's acceptance at ingest to the commit of its outcome (feeds, audit store, "
      "ledger); embedded log only",
      &out);
  return out;
}

std::string HubMetrics::SaveCounters() const {
  nlohmann::json j;
  j["format"] = 1;
  j["records_received"] = records_received.value();
  j["records_accepted"] = records_accepted.value();
  j["records_duplicate"] = records_duplicate.value();
  j["records_quarantined"] = quarantined.value();
  j["records_replayed"] = replayed.value();
  auto family = [](const CounterFamily& f) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [labels, value] : f.Snapshot()) rows.push_back({{"labels", labels}, {"value", value}});
    return rows;
  };
  j["records_rejected"] = family(records_rejected);
  j["records_rejected_by_source"] = family(records_rejected_by_source);
  j["disclosures"] = family(disclosures);
  return j.dump();
}

absl::Status HubMetrics::RestoreCounters(std::string_view saved) {
  nlohmann::json j = nlohmann::json::parse(saved.begin(), saved.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("format", 0) != 1) {
    return absl::InvalidArgumentError("saved metrics are not a format-1 JSON document");
  }
  // Check everything before adding anything.
  auto valid_family = [&](const char* key, const CounterFamily& f) {
    if (!j.contains(key)) return true;
    if (!j[key].is_array()) return false;
    for (const auto& row : j[key]) {
      if (!row.is_object() || !row.contains("labels") || !row["labels"].is_array() ||
          row["labels"].size() != f.label_count() || !row.contains("value") ||
          !row["value"].is_number_unsigned()) {
        return false;
      }
      for (const auto& l : row["labels"]) {
        if (!l.is_string()) return false;
      }
    }
    return true;
  };
  for (const char* key : {"records_received", "records_accepted", "records_duplicate", "records_quarantined",
                          "records_replayed"}) {
    if (j.contains(key) && !j[key].is_number_unsigned()) {
      return absl::InvalidArgumentError(absl::StrCat("saved metrics: '", key, "' is not a count"));
    }
  }
  if (!valid_family("records_rejected", records_rejected) ||
      !valid_family("records_rejected_by_source", records_rejected_by_source) ||
      !valid_family("disclosures", disclosures)) {
    return absl::InvalidArgumentError("saved metrics: a counter family is malformed");
  }
  records_received.Add(j.value("records_received", uint64_t{0}));
  records_accepted.Add(j.value("records_accepted", uint64_t{0}));
  records_duplicate.Add(j.value("records_duplicate", uint64_t{0}));
  quarantined.Add(j.value("records_quarantined", uint64_t{0}));
  replayed.Add(j.value("records_replayed", uint64_t{0}));
  auto restore = [&](const char* key, CounterFamily& f) {
    if (!j.contains(key)) return;
    for (const auto& row : j[key]) {
      f.With(row["labels"].get<std::vector<std::string>>()).Add(row["value"].get<uint64_t>());
    }
  };
  restore("records_rejected", records_rejected);
  restore("records_rejected_by_source", records_rejected_by_source);
  restore("disclosures", disclosures);
  return absl::OkStatus();
}

}  // namespace accord::hub
