// How long the disclosure control (PublishFigures: audit, cell key and the
// attacker check's backstop) takes on the demo's data: the 640 sample records
// of deploy/sample/*.jsonl (police recorded crime, police violence victims,
// A&E assaults, A&E violence victims), generalised as the example agreements
// do (250 m grid cells, postcode sectors and districts, days and weeks), with
// the example thresholds (10, 5, 5).
//
// The report time depends on the run's record keys (the hub's keyed digests
// differ per deployment, so the cell-key noise, and with it how much the
// attacker check must withhold, differs per run): each benchmark argument is
// a key seed. In one run: BM_DemoReport/<seed>/0 is the pack as before
// daily tables and versions (week, month and quarter tables, one version
// checked alone), /1 the pack with daily tables (for the datasets whose
// agreements keep the day: recorded crime and A&E assaults) checked together
// with the version published two weeks earlier (built outside the timing),
// /2 the demo's second report: daily tables checked together with the pack
// published just before from the same records without them.
//   ACCORD_BENCH_SEEDS=7 build/connectors/analyst/analyst_attack_bench
// Median, min and max over the seeds: the lines the bench prints at exit.
// Counters: rounds of the backstop, figures withheld, exact integer programs
// (ip) and nearby integer searches (near), small counts cleared by moves in
// the last round (moves) and proved safe in an earlier round (safe).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "accord/policy/british_national_grid.h"
#include "benchmark/benchmark.h"
#include "cell_key.h"
#include "nlohmann/json.hpp"
#include "periods.h"
#include "analysis_config.h"
#include "boundaries.h"
#include "publish.h"

namespace accord::analyst {
namespace {

using nlohmann::json;

absl::Time ParseUtc(const std::string& s) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%SZ", s, &t, &err)) return absl::UnixEpoch();
  return t;
}

std::string Upper(std::string s) {
  std::string out;
  for (char c : s) {
    if (c != ' ') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}
// "al14nq" -> sector "AL1 4"; district "AL1".
std::string Sector(const std::string& pc) {
  std::string u = Upper(pc);
  return u.size() < 5 ? u : u.substr(0, u.size() - 3) + " " + u.substr(u.size() - 3, 1);
}
std::string District(const std::string& pc) {
  std::string u = Upper(pc);
  return u.size() < 5 ? u : u.substr(0, u.size() - 3);
}
absl::Time Day(absl::Time t) { return absl::FromCivil(absl::ToCivilDay(t, absl::UTCTimeZone()), absl::UTCTimeZone()); }
absl::Time WeekStart(absl::Time t) {
  absl::CivilDay d = absl::ToCivilDay(t, absl::UTCTimeZone());
  int back = (static_cast<int>(absl::GetWeekday(d)) - static_cast<int>(absl::Weekday::monday) + 7) % 7;
  return absl::FromCivil(d - back, absl::UTCTimeZone());
}
int HourOfWeek(absl::Time t) {
  absl::CivilHour h = absl::ToCivilHour(t, absl::UTCTimeZone());
  int wd = (static_cast<int>(absl::GetWeekday(absl::CivilDay(h))) - static_cast<int>(absl::Weekday::monday) + 7) % 7;
  return wd * 24 + h.hour();
}

std::vector<Fact> DemoFacts(uint32_t key_seed) {
  std::vector<Fact> facts;
  const std::string dir = std::string(ACCORD_SOURCE_DIR) + "/deploy/sample/";
  for (const char* file : {"police_recorded_crime", "police_violence_victims", "ae_assault", "ae_violence_victims"}) {
    std::ifstream in(dir + file + ".jsonl");
    std::string line;
    while (std::getline(in, line)) {
      json r = json::parse(line);
      std::map<std::string, json> v;
      for (const auto& f : r["fields"]) v[f["name"].get<std::string>()] = f["value"];
      auto text = [&](const char* k) { return v.count(k) && v[k].contains("text") ? v[k]["text"].get<std::string>() : ""; };
      auto time = [&](const char* k) { return v.count(k) ? ParseUtc(v[k].value("datetime", "")) : absl::UnixEpoch(); };
      Fact f;
      f.dataset = r["dataset"].get<std::string>();
      f.provider = r["provider"].get<std::string>();
      f.record_key = RecordKey(absl::StrCat("demo-", key_seed, "-", f.dataset, "-", r["recordId"].get<std::string>()));
      f.fields_present = {"x"};
      const std::string ds = f.dataset;
      if (ds == "recorded_crime") {
        f.agreement_id = "isa-herts-police-crime";
        f.category = text("offence_category");
        f.event_time = Day(time("occurred_at"));
        if (v.count("location") && v["location"].contains("geo")) {
          auto cell = policy::GridCell(v["location"]["geo"]["lat"], v["location"]["geo"]["lon"], 250);
          if (cell.ok()) f.area = *cell;
        }
        f.postcode_area = Sector(text("location_postcode"));
        f.incident_place = true;
        f.victim = f.agreement_id + "|" + text("victim_name") + v["victim_date_of_birth"].value("date", "");
      } else if (ds == "police_violence_victims" || ds == "ae_violence_victims") {
        f.agreement_id = "isa-herts-repeat-victims";
        f.source = ds == "ae_violence_victims" ? Source::kAe : Source::kPolice;
        f.category = text(ds == "ae_violence_victims" ? "assault_method" : "offence_category");
        f.event_time = WeekStart(time(ds == "ae_violence_victims" ? "arrival_time" : "occurred_at"));
        f.area = District(text(ds == "ae_violence_victims" ? "home_postcode" : "location_postcode"));
        f.victim = f.agreement_id + "|" + Upper(text("victim_nhs_number"));
      } else {  // ae_assault
        f.agreement_id = "isa-herts-ae-violence";
        f.source = Source::kAe;
        f.category = text("assault_method");
        const absl::Time arrival = absl::FromCivil(absl::ToCivilHour(time("arrival_time"), absl::UTCTimeZone()), absl::UTCTimeZone());
        f.event_time = arrival;
        f.area = Sector(text("home_postcode"));
        f.postcode_area = f.area;
        f.location = text("location_description");
        f.hour_of_week = HourOfWeek(time("assault_time"));
      }
      f.received_at = f.event_time;
      facts.push_back(std::move(f));
    }
  }
  return facts;
}

// mode 0: week, month, quarter, one version; 1: + daily tables, checked with
// the version published two weeks earlier; 2: the demo's second report: +
// daily tables, checked with the version published from the same records
// without them (scripts/run_demo.sh: the first report, then the config).
PublishInput DemoInput(uint32_t key_seed, int mode) {
  PublishInput in;
  in.facts = DemoFacts(key_seed);
  in.terms.threshold = {{"isa-herts-police-crime", 10}, {"isa-herts-ae-violence", 5}, {"isa-herts-repeat-victims", 5}};
  // The example agreements' flow event_time.
  in.terms.event_time_by_dataset = {{"recorded_crime", {"day", "isa-herts-police-crime"}},
                                    {"ae_assault", {"hour", "isa-herts-ae-violence"}},
                                    {"police_violence_victims", {"week", "isa-herts-repeat-victims"}},
                                    {"ae_violence_victims", {"week", "isa-herts-repeat-victims"}}};
  in.as_of = absl::FromCivil(absl::CivilDay(2026, 12, 3), absl::UTCTimeZone());
  // The demo's analyst config: the named neighbourhoods and the intervention.
  const std::string config_path = std::string(ACCORD_SOURCE_DIR) + "/deploy/analyst/analyst.yaml";
  std::ifstream config_file(config_path);
  std::string text((std::istreambuf_iterator<char>(config_file)), std::istreambuf_iterator<char>());
  auto config = ParseAnalysisConfig(text);
  if (!config.ok()) {
    std::fprintf(stderr, "%s: %s\n", config_path.c_str(), std::string(config.status().message()).c_str());
    std::abort();
  }
  {
    in.config = *config;
    std::ifstream geo(std::string(ACCORD_SOURCE_DIR) + "/deploy/analyst/" + in.config.boundaries_path);
    std::string geo_text((std::istreambuf_iterator<char>(geo)), std::istreambuf_iterator<char>());
    auto boundaries = Boundaries::Parse(geo_text);
    if (!boundaries.ok()) {
      std::fprintf(stderr, "boundaries: %s\n", std::string(boundaries.status().message()).c_str());
      std::abort();
    }
    in.boundaries = std::move(*boundaries);
  }
  in.config.periods = {PeriodKind::kWeek, PeriodKind::kMonth, PeriodKind::kQuarter};
  if (mode == 2) {
    PublishInput then = in;
    absl::Time through = absl::InfinitePast();
    for (const Fact& f : in.facts) through = std::max(through, f.received_at);
    in.config.periods.push_back(PeriodKind::kDay);
    in.previous = {{PublishFigures(then), through}};
  } else if (mode == 1) {
    in.config.periods.push_back(PeriodKind::kDay);
    // The version published two weeks earlier, from the records received by then.
    const absl::Time through = in.as_of - absl::Hours(24 * 14);
    PublishInput then = in;
    std::erase_if(then.facts, [&](const Fact& f) { return f.received_at > through; });
    then.as_of = through;
    in.previous = {{PublishFigures(then), through}};
  }
  return in;
}

std::map<int, std::vector<double>>& Seconds() {
  static std::map<int, std::vector<double>> s;
  return s;
}
// CPU seconds (the steadier figure on shared cores).
std::map<int, std::vector<double>>& CpuSeconds() {
  static std::map<int, std::vector<double>> s;
  return s;
}

void BM_DemoReport(benchmark::State& state) {
  PublishInput in = DemoInput(static_cast<uint32_t>(state.range(0)), static_cast<int>(state.range(1)));
  size_t withheld = 0;
  json check;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    json f = PublishFigures(in);
    CpuSeconds()[static_cast<int>(state.range(1))].push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    Seconds()[static_cast<int>(state.range(1))].push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    check = f["disclosure"]["attacker_check"];
    withheld = check["withheld"].size();
    if (f["disclosure"]["attacker_check"]["recoverable_small_counts"] != 0) state.SkipWithError("leak left");
  }
  state.counters["records"] = static_cast<double>(in.facts.size());
  state.counters["withheld"] = static_cast<double>(withheld);
  state.counters["rounds"] = check.value("rounds", 0);
  state.counters["ip"] = check.value("integer_programs", 0);
  state.counters["near"] = check.value("nearby_integer_searches", 0);
  state.counters["checked"] = check.value("small_counts_checked", 0);
  state.counters["moves"] = check.value("cleared_by_moves", 0);  // of the last round
  state.counters["safe"] = check.value("safe_from_earlier_rounds", 0);
  state.counters["versions"] = check.value("earlier_versions", 0);
}

}  // namespace
}  // namespace accord::analyst

int main(int argc, char** argv) {
  using accord::analyst::BM_DemoReport;
  // Key seeds 1..N (ACCORD_BENCH_SEEDS, default 7), each with the old (0) and new (1) check.
  int seeds = 7;
  if (const char* s = std::getenv("ACCORD_BENCH_SEEDS")) seeds = std::max(1, std::atoi(s));
  auto* b = benchmark::RegisterBenchmark("BM_DemoReport", BM_DemoReport)->Unit(benchmark::kMillisecond)->Iterations(1);
  for (int seed = 1; seed <= seeds; ++seed) {
    for (int mode : {0, 1, 2}) b->Args({seed, mode});
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  for (auto& [mode, v] : accord::analyst::Seconds()) {
    std::vector<double>& cpu = accord::analyst::CpuSeconds()[mode];
    std::sort(cpu.begin(), cpu.end());
    std::sort(v.begin(), v.end());
    const char* what[] = {"week/month/quarter, one version", "daily tables + the version two weeks earlier",
                          "daily tables + the same records' version without them (the demo's second report)"};
    std::printf("%s: wall median %.2f s (%.2f-%.2f), CPU median %.2f s (%.2f-%.2f) over %zu runs\n", what[mode],
                v[v.size() / 2], v.front(), v.back(), cpu[cpu.size() / 2], cpu.front(), cpu.back(), v.size());
  }
  benchmark::Shutdown();
  return 0;
}
