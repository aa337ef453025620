// The analyst config: which field of each dataset plays which analysis role,
// the named interventions to evaluate, and the officer's notes for the
// data-difficulties register. A YAML file (example:
// deploy/analyst/analyst.yaml), validated against the signed agreements:
// every field it names must be one the agreement's flows send to this
// analyst, so a role can never point at data the analyst does not lawfully
// hold.
//
//   datasets:
//     asb_report:                  # the agreement's dataset name
//       category: asb_type         # what is counted by (counts, trends, hotspots)
//       area: area                 # "area" = the hub's generalised area; or a field
//       victim: [victim_nhs_number]  # fields whose pseudonyms identify a victim
//       location: location_description  # free-text place (A&E hotspots)
//       place: location_postcode   # postcode sector for the Cardiff time-and-place match
//       hour: occurred_at          # a datetime kept to the hour (hour of week)
//   periods: [day, week, month, quarter]   # optional; default [week, month, quarter]
//   boundaries: ../boundaries/st-albans-example.geojson   # optional, named areas
//   interventions:
//     - name: St Peter's Street patrols
//       datasets: [recorded_crime]
//       start: 2026-08-31          # a Monday
//       days: 28                   # before and after periods, each this many days (whole weeks)
//       target: [BNG250:514750:207250]   # grid cells, or names of boundary areas
//       buffer: [BNG250:514500:207250, ...]
//       control: [BNG250:516000:209000, ...]
//       buffer_control: [...]      # optional; else the buffer shares `control`
//
// A period finer than a dataset's event times (the agreement's flow
// `event_time`: a dataset generalised to the week has no daily table, one
// generalised to the month neither daily nor weekly) is left out for that
// dataset, and the pack says so (publish.h).
//
// Datasets the config does not name use the conventional field names of the
// example agreements (ConventionalRoles), and the pack says so; a dataset
// with no category or area role is listed as not included, with the reason.
//
// Thread safety: value types and pure functions.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "evaluation.h"
#include "periods.h"

namespace accord::analyst {

struct DatasetRoles {
  std::vector<std::string> category;  // first present wins
  std::vector<std::string> area;      // "area" = CleanedRecord.area
  std::vector<std::string> victim;    // all of them make the victim key
  std::vector<std::string> location;
  std::vector<std::string> place;
  std::vector<std::string> hour;
  bool from_config = false;
};

// offence_category | assault_method | category; the hub's area, else
// location_postcode | home_postcode; victim_nhs_number | nhs_number, else
// victim_name + victim_date_of_birth; ... (fact.h).
const DatasetRoles& ConventionalRoles();

struct AnalysisConfig {
  std::map<std::string, DatasetRoles> datasets;
  // GeoJSON of named areas (boundaries.h), relative to the config file's
  // folder; empty: none.
  std::string boundaries_path;
  // The periods the counts tables are published by (and, from day, month
  // and quarter, the neighbourhood table). Default: week, month, quarter.
  std::vector<PeriodKind> periods = {PeriodKind::kWeek, PeriodKind::kMonth, PeriodKind::kQuarter};
  std::vector<Intervention> interventions;
  // The roles for `dataset`: its declared ones, else the conventional ones.
  const DatasetRoles& RolesFor(const std::string& dataset) const;
};

// Parses the YAML text. InvalidArgument listing every problem (unknown
// keys, roles without fields, bad dates, an intervention without a target
// or a control).
absl::StatusOr<AnalysisConfig> ParseAnalysisConfig(const std::string& yaml_text);

// Every field a declared role names must be sent to this analyst by the
// dataset's flows (`fields_by_dataset`, from the agreements). Returns the
// problems, one line each ("asb_report: role category names field
// 'asb_kind', which no agreement sends you"); empty when valid.
std::vector<std::string> ValidateAgainstAgreements(const AnalysisConfig& config,
                                                   const std::map<std::string, std::set<std::string>>& fields_by_dataset);

}  // namespace accord::analyst
