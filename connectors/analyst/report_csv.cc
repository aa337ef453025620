#include "report_csv.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace accord::analyst {
namespace {

using nlohmann::json;

std::string Text(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// Rows of `array` with `columns` as the header; a column may be "a.b" for a
// nested object member.
std::string Table(const json& array, const std::vector<std::string>& columns) {
  std::string out;
  std::vector<std::string> header;
  for (const auto& c : columns) header.push_back(CsvField(c));
  absl::StrAppend(&out, absl::StrJoin(header, ","), "\r\n");
  if (!array.is_array()) return out;
  for (const auto& row : array) {
    std::vector<std::string> fields;
    for (const auto& c : columns) fields.push_back(CsvField(row.contains(c) ? Text(row[c]) : ""));
    absl::StrAppend(&out, absl::StrJoin(fields, ","), "\r\n");
  }
  return out;
}

}  // namespace

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  return absl::StrCat("\"", absl::StrReplaceAll(value, {{"\"", "\"\""}}), "\"");
}

std::map<std::string, std::string> RenderCsv(const json& f) {
  std::map<std::string, std::string> out;
  out["counts.csv"] = Table(f.value("counts", json::array()),
                            {"dataset", "threshold", "period_kind", "period", "category", "area", "count",
                             "previous_period", "change_vs_previous", "same_period_last_year",
                             "change_vs_last_year"});
  json repeat = json::array();
  for (const auto& r : f.value("repeat_victimisation", json::array())) {
    json row = r;
    std::vector<std::string> top;
    for (const auto& l : r.value("top_repeat_locations", json::array())) {
      top.push_back(absl::StrCat(Text(l["area"]), " (", Text(l["incidents"]), ")"));
    }
    row["top_repeat_locations"] = absl::StrJoin(top, "; ");
    repeat.push_back(row);
  }
  out["repeat_victimisation.csv"] =
      Table(repeat, {"agreement", "threshold", "victims", "repeat_victims", "repeat_share", "top_repeat_locations"});
  out["cardiff_linkage.csv"] =
      Table(f.value("cardiff_linkage", json::array()),
            {"agreement", "threshold", "method", "place", "ae_assault_attendances", "unknown_to_police",
             "matched_police_violence", "unknown_share"});
  const json hotspots = f.value("ae_hotspots", json::object());
  out["ae_hotspot_locations.csv"] = Table(hotspots.value("locations", json::array()), {"location", "attendances"});
  json hours = json::array();
  for (const auto& d : hotspots.value("hour_of_week", json::array())) {
    for (size_t h = 0; h < d["hours"].size(); ++h) {
      hours.push_back({{"day", d["day"]}, {"hour", absl::StrCat(h)}, {"attendances", d["hours"][h]}});
    }
  }
  out["ae_hour_of_week.csv"] = Table(hours, {"day", "hour", "attendances"});
  out["displacement.csv"] =
      Table(f.value("displacement", json::array()),
            {"dataset", "cell", "previous_period", "current_period", "previous", "current", "change",
             "neighbours_previous", "neighbours_current", "neighbours_change"});
  const json health = f.value("health", json::object());
  json datasets = json::array();
  for (const auto& d : health.value("datasets", json::array())) {
    json row = d;
    std::vector<std::string> missing;
    const json rates = d.value("missing_field_rates", json::object());
    for (const auto& [field, rate] : rates.items()) {
      missing.push_back(absl::StrCat(field, "=", Text(rate)));
    }
    row["missing_field_rates"] = absl::StrJoin(missing, "; ");
    datasets.push_back(row);
  }
  out["health_datasets.csv"] =
      Table(datasets, {"provider", "dataset", "records_received", "last_event", "last_received",
                       "hours_since_last_event", "hours_since_last_received", "last_week", "usual_week", "volume_drop", "missing_field_rates"});
  out["health_agreements.csv"] =
      Table(health.value("agreements", json::array()),
            {"agreement", "version", "title", "review_by", "valid_until", "days_to_review", "days_to_expiry", "flag"});
  json rejections = json::array();
  if (health.contains("rejections_hub_wide") && health["rejections_hub_wide"].is_object()) {
    for (const auto& [reason, n] : health["rejections_hub_wide"].items()) {
      rejections.push_back({{"reason", reason}, {"records", n}});
    }
  }
  out["health_rejections.csv"] = Table(rejections, {"reason", "records"});
  out["health_rejections_by_source.csv"] =
      Table(health.value("rejections_by_source", json::array()), {"agency", "dataset", "reason", "records"});
  out["data_difficulties.csv"] =
      Table(f.value("data_difficulties", json::array()), {"kind", "subject", "detail", "since", "owner", "status"});
  json evaluations = json::array();
  for (const auto& v : f.value("interventions", json::array())) {
    json row = {{"name", v["name"]}, {"before_from", v["before"]["from"]}, {"after_from", v["after"]["from"]},
                {"after_to", v["after"]["to"]}, {"wdq", v["wdq"]}, {"wdd", v["wdd"]}, {"wdd_se", v["wdd_se"]},
                {"wdd_z", v["wdd_z"]}, {"note", v["note"]}};
    for (const char* zone : {"target", "buffer", "control", "buffer_control"}) {
      const json z = v.value("counts", json::object()).value(zone, json::object());
      row[std::string(zone) + "_before"] = z.value("before", json(""));
      row[std::string(zone) + "_after"] = z.value("after", json(""));
    }
    evaluations.push_back(row);
  }
  out["interventions.csv"] =
      Table(evaluations, {"name", "before_from", "after_from", "after_to", "target_before", "target_after",
                          "buffer_before", "buffer_after", "control_before", "control_after", "buffer_control_before",
                          "buffer_control_after", "wdq", "wdd", "wdd_se", "wdd_z", "note"});
  return out;
}

}  // namespace accord::analyst
