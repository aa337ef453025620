#include "outputs.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "accord/base/atomic_file.h"
#include "agreements.h"
#include "health.h"
#include "hub_client.h"
#include "publish.h"
#include "report_csv.h"
#include "report_html.h"

namespace accord::analyst {
namespace {

absl::Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  return base::WriteFileAtomically(path.string(), text, {.mode = 0644});
}

std::string Str(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

absl::StatusOr<nlohmann::json> ComputeFigures(const AnalystStore& store, const FigureOptions& options) {
  PublishInput in;
  auto facts = store.LoadFacts();
  if (!facts.ok()) return facts.status();
  in.facts = std::move(*facts);
  auto agreements = store.Agreements();
  if (!agreements.ok()) return agreements.status();
  in.agreements = std::move(*agreements);
  in.terms = ReadAgreementTerms(in.agreements, options.recipient);
  in.as_of = options.as_of;
  if (options.hub_metrics.empty()) {
    in.rejections_note = "Hub metrics not queried (run with --hub-metrics HOST:PORT).";
  } else {
    auto text = FetchMetrics(options.hub_metrics);
    auto parsed = text.ok() ? ParseRejections(*text) : text.status();
    if (parsed.ok()) {
      in.rejections = *parsed;
      auto by_source = ParseRejectionsBySource(*text);
      if (by_source.ok()) in.rejections_by_source = std::move(*by_source);
    } else {
      in.rejections_note = std::string(parsed.status().message());
    }
  }
  return PublishFigures(in);
}

absl::Status WriteOutputs(const nlohmann::json& figures, const std::string& dir) {
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
  int drops = 0, flagged = 0;
  for (const auto& d : f["health"].value("datasets", nlohmann::json::array())) drops += d.value("volume_drop", false);
  for (const auto& a : f["health"].value("agreements", nlohmann::json::array())) flagged += a["flag"] != "";
  absl::StrAppend(&out, "  data-sharing health: ", f["health"]["datasets"].size(), " datasets, ", drops,
                  " volume drops, ", flagged, " agreements needing attention\n");
  return out;
}

}  // namespace accord::analyst
