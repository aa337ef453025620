#include "outputs.h"

#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "analysis_config.h"
#include "accord/base/atomic_file.h"
#include "accord/base/read_file.h"
#include "agreements.h"
#include "health.h"
#include "hub_client.h"
#include "publish.h"
#include "register.h"
#include "report_csv.h"
#include "report_html.h"

namespace accord::analyst {
namespace {

absl::Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  return base::WriteFileAtomically(path.string(), text, {.mode = 0644});
}

std::string Str(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

absl::StatusOr<nlohmann::json> ComputeFigures(AnalystStore& store, const FigureOptions& options) {
  PublishInput in;
  auto agreements = store.Agreements();
  if (!agreements.ok()) return agreements.status();
  in.agreements = std::move(*agreements);
  in.terms = ReadAgreementTerms(in.agreements, options.recipient);
  auto pending = TrackPending(store, in.agreements, options.as_of);
  if (!pending.ok()) return pending.status();
  // Only the agreements this analyst is a party to are listed in the pack.
  std::erase_if(in.agreements, [&](const v1::AgreementInfo& a) { return !in.terms.party_to.count(a.id()); });
  if (!options.config_path.empty()) {
    auto text = base::ReadFile(options.config_path);
    if (!text.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("the analyst config: ", text.status().message()));
    }
    auto config = ParseAnalysisConfig(*text);
    if (!config.ok()) return config.status();
    std::vector<std::string> problems = ValidateAgainstAgreements(*config, in.terms.fields_by_dataset);
    if (!problems.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("analyst config ", options.config_path,
                                                     " does not match your agreements: ",
                                                     absl::StrJoin(problems, "; ")));
    }
    in.config = std::move(*config);
    if (!in.config.boundaries_path.empty()) {
      std::filesystem::path path(in.config.boundaries_path);
      if (path.is_relative()) path = std::filesystem::path(options.config_path).parent_path() / path;
      auto geo_text = base::ReadFile(path.string());
      if (!geo_text.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("the boundary file: ", geo_text.status().message()));
      }
      auto boundaries = Boundaries::Parse(*geo_text);
      if (!boundaries.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(path.string(), ": ", boundaries.status().message()));
      }
      in.boundaries = std::move(*boundaries);
    }
  }
  auto facts = store.LoadFacts(&in.config);
  if (!facts.ok()) return facts.status();
  in.facts = std::move(*facts);
  in.as_of = options.as_of;
  std::optional<std::vector<SourceRejections>> current;
  if (options.hub_metrics.empty()) {
    in.rejections_note = "Hub metrics not queried (run with --hub-metrics HOST:PORT); totals kept from earlier readings.";
  } else {
    auto text = FetchMetrics(options.hub_metrics);
    auto parsed = text.ok() ? ParseRejections(*text) : text.status();
    if (parsed.ok()) {
      in.rejections = *parsed;
      auto by_source = ParseRejectionsBySource(*text);
      if (by_source.ok()) current = std::move(*by_source);
    } else {
      in.rejections_note = absl::StrCat(parsed.status().message(), "; totals kept from earlier readings.");
    }
  }
  // Rejections per agency are accumulated in the store: they survive a hub
  // restart (its counters start again from 0) and an unreachable hub.
  auto totals = current.has_value() ? AccumulateRejections(store, *current) : StoredRejections(store);
  if (!totals.ok()) return totals.status();
  in.rejections_by_source = std::move(*totals);
  RegisterInput reg;
  reg.as_of = options.as_of;
  reg.datasets = DatasetHealthFigures(in.facts, options.as_of, in.terms.fields_by_dataset);
  reg.expected_datasets = in.terms.fields_by_dataset;
  reg.agreements = in.agreements;
  reg.pending_since = std::move(*pending);
  reg.rejections = in.rejections_by_source;
  auto rows = DataDifficulties(store, reg);
  if (!rows.ok()) return rows.status();
  in.data_difficulties = std::move(*rows);
  // The last published version: the attacker check solves it together with
  // this one (a reader may keep both). Unreadable: refuse rather than check
  // less than promised.
  auto last = store.LastPublished();
  if (!last.ok()) return last.status();
  if (!last->empty()) {
    nlohmann::json stored = nlohmann::json::parse(*last, nullptr, /*allow_exceptions=*/false);
    if (!stored.is_object() || !stored.contains("figures") || !stored["received_through_us"].is_number_integer()) {
      return absl::DataLossError("the stored last published figures (pub/last) are unreadable; no pack computed");
    }
    in.previous.push_back({stored["figures"], absl::FromUnixMicros(stored["received_through_us"].get<int64_t>())});
  }
  absl::Time received_through = absl::InfinitePast();
  for (const Fact& f : in.facts) received_through = std::max(received_through, f.received_at);
  nlohmann::json figures = PublishFigures(in);
  // Remember it as published only if it may be (WriteOutputs' rule).
  const nlohmann::json check = figures["disclosure"]["attacker_check"];
  if (check.value("recoverable_small_counts", 1) == 0 && check.value("model_errors", 1) == 0) {
    nlohmann::json stored = {{"received_through_us", received_through == absl::InfinitePast()
                                                         ? int64_t{0}
                                                         : absl::ToUnixMicros(received_through)},
                             {"figures", figures}};
    if (auto s = store.PutLastPublished(stored.dump()); !s.ok()) return s;
  }
  return figures;
}

absl::Status WriteOutputs(const nlohmann::json& figures, const std::string& dir) {
  // The attacker check ran on these figures (PublishFigures): a pack it
  // could not make safe is never written, in any format.
  const nlohmann::json check = figures.value("disclosure", nlohmann::json::object()).value("attacker_check", nlohmann::json());
  if (!check.is_object()) return absl::FailedPreconditionError("figures carry no attacker check: not published");
  if (check.value("recoverable_small_counts", 1) != 0 || check.value("model_errors", 1) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "attacker check failed: ", check.value("recoverable_small_counts", -1), " small counts recoverable, ",
        check.value("model_errors", -1), " model errors; no pack written (",
        check.value("recoverable", nlohmann::json::array()).dump(), ")"));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  const std::filesystem::path base(dir);
  if (auto s = WriteFile(base / "figures.json", figures.dump(2) + "\n"); !s.ok()) return s;
  for (const auto& [name, text] : RenderCsv(figures)) {
    if (auto s = WriteFile(base / name, text); !s.ok()) return s;
  }
  return WriteFile(base / "report.html", RenderHtml(figures));
}

std::string Summary(const nlohmann::json& f) {
  std::string out = absl::StrCat("Live audit over ", Str(f["records"]), " stored records (as of ", Str(f["as_of"]),
                                 ")\n");
  for (const auto& r : f.value("repeat_victimisation", nlohmann::json::array())) {
    absl::StrAppend(&out, "  repeat victimisation (", Str(r["agreement"]), "): ", Str(r["repeat_victims"]), " of ",
                    Str(r["victims"]), " victims", r["repeat_share"] == "" ? "" : " = " + Str(r["repeat_share"]),
                    "\n");
  }
  for (const auto& l : f.value("cardiff_linkage", nlohmann::json::array())) {
    absl::StrAppend(&out, "  A&E assaults unknown to the police (", Str(l["agreement"]), ", by ", Str(l["method"]),
                    "): ", Str(l["unknown_to_police"]), " of ", Str(l["ae_assault_attendances"]),
                    l["unknown_share"] == "" ? "" : " = " + Str(l["unknown_share"]), "\n");
  }
  const nlohmann::json check = f.value("disclosure", nlohmann::json::object()).value("attacker_check", nlohmann::json::object());
  absl::StrAppend(&out, "  disclosure: cell key method; attacker check: ", check.value("small_counts_checked", 0),
                  " small counts checked against ", check.value("relations", 0), " published relations, ",
                  check.value("recoverable_small_counts", 0), " recoverable, ",
                  check.value("withheld", nlohmann::json::array()).size(), " figures withheld\n");
  int drops = 0, flagged = 0;
  for (const auto& d : f["health"].value("datasets", nlohmann::json::array())) drops += d.value("volume_drop", false);
  for (const auto& a : f["health"].value("agreements", nlohmann::json::array())) flagged += a["flag"] != "";
  absl::StrAppend(&out, "  data-sharing health: ", f["health"]["datasets"].size(), " datasets, ", drops,
                  " volume drops, ", flagged, " agreements needing attention\n");
  return out;
}

}  // namespace accord::analyst
