#include "analysis_config.h"

#include <algorithm>

#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"

namespace accord::analyst {
namespace {

const char* kRoleNames[] = {"category", "area", "victim", "location", "place", "hour"};

std::vector<std::string>* RoleField(DatasetRoles& r, const std::string& role) {
  if (role == "category") return &r.category;
  if (role == "area") return &r.area;
  if (role == "victim") return &r.victim;
  if (role == "location") return &r.location;
  if (role == "place") return &r.place;
  if (role == "hour") return &r.hour;
  return nullptr;
}

std::vector<std::string> Names(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n.IsDefined()) return out;  // a missing key (IsScalar() would throw)
  if (n.IsScalar()) out.push_back(n.as<std::string>());
  if (n.IsSequence()) {
    for (const auto& x : n) {
      if (x.IsScalar()) out.push_back(x.as<std::string>());
    }
  }
  return out;
}

}  // namespace

const DatasetRoles& ConventionalRoles() {
  static const DatasetRoles* roles = [] {
    auto* r = new DatasetRoles;
    r->category = {"offence_category", "assault_method", "category"};
    r->area = {"area", "location_postcode", "home_postcode"};
    r->victim = {};  // fact.cc: victim_nhs_number | nhs_number, else victim_name + victim_date_of_birth
    r->location = {"location_description"};
    r->place = {"location_postcode", "home_postcode"};
    r->hour = {"assault_time", "arrival_time", "occurred_at"};
    return r;
  }();
  return *roles;
}

const DatasetRoles& AnalysisConfig::RolesFor(const std::string& dataset) const {
  auto it = datasets.find(dataset);
  return it == datasets.end() ? ConventionalRoles() : it->second;
}

absl::StatusOr<AnalysisConfig> ParseAnalysisConfig(const std::string& yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("analyst config: not YAML: line ", e.mark.line + 1, ": ", e.msg));
  }
  AnalysisConfig config;
  std::vector<std::string> problems;
  if (!root.IsMap()) return absl::InvalidArgumentError("analyst config: expected a mapping at the top");
  for (const auto& top : root) {
    const std::string key = top.first.as<std::string>();
    if (key != "datasets" && key != "interventions" && key != "boundaries" && key != "periods") {
      problems.push_back(absl::StrCat("unknown key '", key, "'"));
    }
  }
  if (const YAML::Node b = root["boundaries"]; b) {
    if (!b.IsScalar() || b.as<std::string>().empty()) {
      problems.push_back("boundaries: expected the path of a GeoJSON file");
    } else {
      config.boundaries_path = b.as<std::string>();
    }
  }
  if (const YAML::Node p = root["periods"]; p) {
    config.periods.clear();
    const std::vector<std::string> names = Names(p);
    if (names.empty()) problems.push_back("periods: expected a list of day, week, month, quarter");
    for (const std::string& name : names) {
      PeriodKind kind;
      if (!ParsePeriodKind(name, &kind)) {
        problems.push_back(absl::StrCat("periods: unknown period '", name, "' (periods: day, week, month, quarter)"));
      } else if (std::find(config.periods.begin(), config.periods.end(), kind) == config.periods.end()) {
        config.periods.push_back(kind);
      }
    }
  }
  if (const YAML::Node ds = root["datasets"]; ds) {
    if (!ds.IsMap()) problems.push_back("datasets: expected a mapping of dataset name to roles");
    for (const auto& d : ds) {
      const std::string name = d.first.as<std::string>();
      DatasetRoles roles;
      roles.from_config = true;
      if (!d.second.IsMap()) {
        problems.push_back(absl::StrCat("datasets.", name, ": expected a mapping of role to field"));
        continue;
      }
      for (const auto& role : d.second) {
        const std::string r = role.first.as<std::string>();
        std::vector<std::string>* fields = RoleField(roles, r);
        if (fields == nullptr) {
          problems.push_back(absl::StrCat("datasets.", name, ": unknown role '", r, "' (roles: ",
                                          absl::StrJoin(kRoleNames, ", "), ")"));
          continue;
        }
        *fields = Names(role.second);
        if (fields->empty()) problems.push_back(absl::StrCat("datasets.", name, ".", r, ": names no field"));
      }
      config.datasets[name] = std::move(roles);
    }
  }
  if (const YAML::Node list = root["interventions"]; list) {
    if (!list.IsSequence()) problems.push_back("interventions: expected a list");
    int i = 0;
    for (const auto& n : list) {
      const std::string where = absl::StrCat("interventions[", i++, "]");
      Intervention v;
      if (!n.IsMap()) {
        problems.push_back(where + ": expected a mapping");
        continue;
      }
      for (const auto& kv : n) {
        const std::string k = kv.first.as<std::string>();
        static const std::set<std::string> known = {"name", "datasets", "categories", "start", "days",
                                                    "target", "buffer", "control", "buffer_control"};
        if (!known.count(k)) problems.push_back(absl::StrCat(where, ": unknown key '", k, "'"));
      }
      v.name = n["name"] && n["name"].IsScalar() ? n["name"].as<std::string>() : "";
      if (v.name.empty()) problems.push_back(where + ": needs a name");
      v.datasets = Names(n["datasets"]);
      v.categories = Names(n["categories"]);
      absl::CivilDay day;
      if (!n["start"] || !n["start"].IsScalar() || !absl::ParseCivilTime(n["start"].as<std::string>(), &day)) {
        problems.push_back(absl::StrCat(where, " (", v.name, "): start must be a date YYYY-MM-DD"));
      }
      v.start = absl::FromCivil(day, absl::UTCTimeZone());
      v.days = 0;
      if (n["days"] && n["days"].IsScalar()) {
        try {
          v.days = n["days"].as<int>();
        } catch (const YAML::Exception&) {
          v.days = -1;
        }
      }
      if (v.days <= 0 || v.days > 3660 || v.days % 7 != 0) {
        problems.push_back(absl::StrCat(where, " (", v.name, "): days must be a whole number of weeks (7, 14, ...)"));
      }
      // Whole ISO weeks: the evaluation then splits the records no finer
      // than the weekly tables do (so the attacker check covers it).
      if (absl::GetWeekday(day) != absl::Weekday::monday) {
        problems.push_back(absl::StrCat(where, " (", v.name, "): start must be a Monday (whole ISO weeks)"));
      }
      for (auto [key, set] : {std::pair{"target", &v.target}, std::pair{"buffer", &v.buffer},
                              std::pair{"control", &v.control}, std::pair{"buffer_control", &v.buffer_control}}) {
        for (const auto& a : Names(n[key])) set->insert(a);
      }
      if (v.target.empty()) problems.push_back(absl::StrCat(where, " (", v.name, "): needs a target area"));
      if (v.control.empty()) problems.push_back(absl::StrCat(where, " (", v.name, "): needs a control area"));
      for (const auto& a : v.target) {
        if (v.buffer.count(a) || v.control.count(a)) {
          problems.push_back(absl::StrCat(where, " (", v.name, "): area ", a, " is in the target and another zone"));
        }
      }
      config.interventions.push_back(std::move(v));
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("analyst config: ", absl::StrJoin(problems, "; ")));
  }
  return config;
}

std::vector<std::string> ValidateAgainstAgreements(const AnalysisConfig& config,
                                                   const std::map<std::string, std::set<std::string>>& fields_by_dataset) {
  std::vector<std::string> problems;
  for (const auto& [dataset, roles] : config.datasets) {
    auto it = fields_by_dataset.find(dataset);
    if (it == fields_by_dataset.end()) {
      problems.push_back(absl::StrCat(dataset, ": no agreement sends you this dataset"));
      continue;
    }
    for (const char* role : kRoleNames) {
      DatasetRoles copy = roles;
      for (const std::string& field : *RoleField(copy, role)) {
        if (std::string(role) == "area" && field == "area") continue;  // the hub's generalised area
        if (!it->second.count(field)) {
          problems.push_back(absl::StrCat(dataset, ": role ", role, " names field '", field,
                                          "', which no agreement sends you"));
        }
      }
    }
  }
  return problems;
}

}  // namespace accord::analyst
