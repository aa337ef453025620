// Shared set-up for the connector's benchmarks (csv_bench.cc, publish_bench.cc):
// the police incident mapping and a sample export shaped like
// deploy/sample/police_incidents.csv (a UTF-8 BOM, 12 columns, local times,
// geo, a date, a boolean, a quoted narrative; every 7th row spans two lines).
//
// Header-only on purpose: the connector library's CMake glob leaves *_bench.cc
// out, and this file is only for them. Not thread-safe; call from the
// benchmark's main thread.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace accord::connect::bench {

inline constexpr char kMapping[] = R"yaml(
provider: herts-police
dataset: recorded_crime
dataset_version: 2
source: {format: csv}
record_id: {column: "Incident Ref"}
event_time: occurred_at
fields:
  - {field: crime_reference, column: "Crime Ref"}
  - {field: offence_category, column: Offence,
     values: {"Robbery": robbery, "Violence with injury": violence_with_injury}}
  - {field: occurred_at, column: "Occurred (local)", type: datetime,
     format: "dd/mm/yyyy HH:MM", timezone: Europe/London}
  - {field: location, type: geo, lat: Lat, lon: Long}
  - {field: location_postcode, column: Postcode}
  - {field: victim_name, column: "Victim Name"}
  - {field: victim_date_of_birth, column: "Victim DOB", type: date, format: dd/mm/yyyy}
  - {field: narrative, column: Narrative}
  - {field: vehicle_registration, column: "Vehicle Reg", case: upper}
  - {field: domestic_flag, column: "DA Flag", type: boolean, true: [Y], false: [N]}
)yaml";

// Data rows in the sample file (plus one header row).
inline constexpr int kRows = 100000;

// The sample CSV, written once per process to /tmp/connect_bench.<pid>.csv
// and removed at exit. About 26 MB.
inline const std::string& SampleCsv() {
  struct File {
    std::string path = absl::StrCat("/tmp/connect_bench.", ::getpid(), ".csv");
    File() {
      std::ofstream out(path, std::ios::binary);
      out << "\xEF\xBB\xBFIncident Ref,Crime Ref,Offence,Occurred (local),Lat,Long,Postcode,"
             "Victim Name,Victim DOB,Narrative,Vehicle Reg,DA Flag\r\n";
      for (int i = 0; i < kRows; ++i) {
        out << absl::StrFormat(
            "CR-%06d,41/%06d/26,%s,%02d/%02d/2026 %02d:%02d,51.75%04d,-0.33%04d,AL1 3XY,"
            "Zo\xC3\xAB Clarke,02/06/1966,\"Victim CLARKE, Zo\xC3\xAB (DOB 02/06/1966) assaulted "
            "outside The Crown, George Street by two males.%sVictim called from 07700 900117. "
            "Suspects left in vehicle PU13 ARD.\",YP53 SES,%s\r\n",
            i, i, i % 2 ? "Robbery" : "Violence with injury", 1 + i % 28, 1 + i % 12, i % 24,
            i % 60, i % 9999, i % 7777, i % 7 == 3 ? "\n" : " ", i % 3 ? "N" : "Y");
      }
    }
    ~File() { std::remove(path.c_str()); }
  };
  static const File file;
  return file.path;
}

}  // namespace accord::connect::bench
