// The live crime and disorder audit: pure computations over stored facts.
// Every function here returns RAW figures (small numbers included) for
// publish.h to put through disclosure control; nothing here is output as is.
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/time/time.h"
#include "cell_key.h"
#include "fact.h"
#include "periods.h"

namespace accord::analyst {

// ---- Counts by category x area x period.
struct CountKey {
  std::string dataset;
  long period = 0;  // PeriodIndex
  std::string category;
  std::string area;
  auto operator<=>(const CountKey&) const = default;
};
// Facts without a category or an area are not counted.
std::map<CountKey, int64_t> CountByCategoryAreaPeriod(const std::vector<Fact>& facts,
                                                      PeriodKind kind);

// ---- Repeat victimisation, per agreement (pseudonyms link only inside one).
struct RepeatFigures {
  std::string agreement_id;
  int64_t victims = 0;          // distinct victims with an incident in the window
  int64_t repeat_victims = 0;   // of whom with 2 or more incidents
  // Area -> incidents of repeat victims in the window.
  std::map<std::string, int64_t> repeat_locations;
  // The same as cells (cell_key.h): victims keyed by RecordKey(pseudonym),
  // incidents by their record keys.
  CellCount victims_cell, repeat_cell;
  std::map<std::string, CellCount> repeat_location_cells;
};
// Window: the 12 months (365 days) up to `as_of`. Records of one victim in
// the same ISO week are one incident (police and A&E record one assault).
std::vector<RepeatFigures> RepeatVictimisation(const std::vector<Fact>& facts, absl::Time as_of);

// ---- The Cardiff Model: A&E assaults unknown to the police.
struct LinkageFigures {
  std::string agreement_id;  // of the A&E records
  std::string method;        // "pseudonym" or "time_and_place"
  // time_and_place: where the A&E side's place came from: "incident
  // postcode", "home postcode" (no incident location shared) or both.
  std::string place;
  int64_t attendances = 0;
  int64_t unmatched = 0;     // no matching police-recorded violence
  CellCount attendances_cell, unmatched_cell, matched_cell;
};
// A&E facts whose agreement also carries police facts with victim
// pseudonyms are linked by pseudonym (police record of the same victim within
// 7 days). The others are matched by time and place: police-recorded
// violence (IsViolence) within `window` of the attendance in the same
// postcode sector (or district, when one side only has the district).
std::vector<LinkageFigures> CardiffLinkage(const std::vector<Fact>& facts,
                                           absl::Duration window = absl::Hours(24));

// ---- A&E assault hotspots.
struct Hotspots {
  std::map<std::string, int64_t> by_location;  // location_description -> attendances
  std::array<int64_t, 168> by_hour_of_week{};  // Monday 00h = 0
  std::map<std::string, CellCount> location_cells;
  std::array<CellCount, 168> hour_cells{};
  CellCount all_cell;  // every A&E assault attendance
};
Hotspots AeHotspots(const std::vector<Fact>& facts);

// ---- Displacement: grid cells whose count fell from `previous` to `current`.
struct Displacement {
  std::string cell;
  int64_t previous = 0, current = 0;
  int64_t neighbours_previous = 0, neighbours_current = 0;  // the 8 adjacent cells
  CellCount previous_cell, current_cell, neighbours_previous_cell, neighbours_current_cell;
};
// Police facts whose area is a grid cell "BNG<m>:<E>:<N>"; the `top` cells
// with the largest previous counts that fell, largest fall first.
std::vector<Displacement> DisplacementCheck(const std::vector<Fact>& facts, PeriodKind kind,
                                            long previous, long current, size_t top = 10);

// "BNG250:514000:207000" -> the 8 neighbouring cell labels (empty if not a grid cell).
std::vector<std::string> GridNeighbours(const std::string& cell);

}  // namespace accord::analyst
