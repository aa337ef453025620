// Fact: the few things the live audit needs from one cleaned record, found by
// the fields' analysis roles (analysis_config.h); without declared roles, by
// these conventional names:
//
//   category  offence_category | assault_method | category
//   area      CleanedRecord.area, else location_postcode | home_postcode
//   place     location_postcode (incident) | home_postcode (the proxy)
//   victim    victim_nhs_number | nhs_number, else victim_name + victim_date_of_birth
//             (pseudonyms: used for linkage inside the program only, never output)
//   location  location_description (A&E, already redacted by the hub)
//   hour      assault_time | arrival_time | occurred_at when hour-precise
//
// Thread safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "accord/v1/record.pb.h"

namespace accord::analyst {

enum class Source { kPolice, kAe };

struct Fact {
  std::string agreement_id;
  std::string provider;
  std::string dataset;
  Source source = Source::kPolice;
  absl::Time event_time;
  // Hour of week 0..167 (Monday 00:00 = 0) of the incident, or -1 when the
  // record's times are coarser than an hour.
  int hour_of_week = -1;
  std::string category;
  std::string area;
  // Pseudonym-derived linkage key, scoped by agreement ("<agreement>|...");
  // empty when the record carries no victim pseudonym. NEVER published.
  std::string victim;
  std::string location;
  // Postcode sector or district of the incident (location_postcode) or, for
  // A&E records without one, of the patient's home (home_postcode), for
  // time-and-place matching; may be empty.
  std::string postcode_area;
  // postcode_area is where the incident happened, not a home.
  bool incident_place = false;
  // When this analyst stored the record (set by the store, not the hub).
  absl::Time received_at = absl::InfinitePast();
  // The record's cell key contribution (cell_key.h): from the hub's keyed
  // record_ref, so stable across runs and unknown to readers. NEVER published.
  uint32_t record_key = 0;
  // Names of the fields present in the record (for missing-field rates).
  std::vector<std::string> fields_present;
};

struct DatasetRoles;  // analysis_config.h

// A&E if the record has an arrival_time field, else police. Fields are found
// by their analysis roles (analysis_config.h); the one-argument form uses the
// conventional names above.
Fact FactFromRecord(const v1::CleanedRecord& record);
Fact FactFromRecord(const v1::CleanedRecord& record, const DatasetRoles& roles);

// Offence categories counted as violence when matching A&E assaults to
// police-recorded crime.
bool IsViolence(const std::string& category);

}  // namespace accord::analyst
