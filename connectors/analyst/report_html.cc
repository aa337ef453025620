#include "report_html.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace accord::analyst {
namespace {

using nlohmann::json;

std::string Text(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// A published count: its value, or nullopt when suppressed ("<N").
std::optional<int64_t> Count(const json& v) {
  int64_t n = 0;
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string() && absl::SimpleAtoi(v.get<std::string>(), &n)) return n;
  return std::nullopt;
}

const char kStyle[] = R"css(
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px;color:#1d2433;max-width:1200px}
h1{font-size:26px;margin-bottom:4px}h2{font-size:19px;margin-top:30px;border-bottom:2px solid #1d4f91;padding-bottom:4px}
.note{color:#555;font-size:13px}table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #c8ced8;padding:4px 8px;text-align:left}th{background:#eef2f8}
td.n{text-align:right;font-variant-numeric:tabular-nums}.flag{color:#b00020;font-weight:bold}
.ok{color:#1b7a3a}.grid{display:flex;gap:32px;flex-wrap:wrap;align-items:flex-start}
.legend{font-size:12px;color:#444}
)css";

const char kDefs[] =
    "<defs><pattern id='hatch' width='6' height='6' patternUnits='userSpaceOnUse' patternTransform='rotate(45)'>"
    "<rect width='6' height='6' fill='#e6e6e6'/><line x1='0' y1='0' x2='0' y2='6' stroke='#9a9a9a' "
    "stroke-width='2'/></pattern></defs>";

std::string Heat(double share) {
  // Pale yellow to dark red.
  share = std::clamp(share, 0.0, 1.0);
  int r = static_cast<int>(255 - 75 * share), g = static_cast<int>(237 - 200 * share),
      b = static_cast<int>(160 - 120 * share);
  return absl::StrFormat("#%02x%02x%02x", r, g, b);
}

std::string TrendChart(const json& counts) {
  // Monthly totals (all categories, all areas) per dataset.
  std::map<std::string, std::map<std::string, json>> series;
  std::set<std::string> months;
  for (const auto& row : counts) {
    if (row["period_kind"] != "month" || row["category"] != "all" || row["area"] != "all") continue;
    series[Text(row["dataset"])][Text(row["period"])] = row["count"];
    months.insert(Text(row["period"]));
  }
  if (months.empty()) return "<p class='note'>No dated records yet.</p>";
  std::vector<std::string> m(months.begin(), months.end());
  int64_t max = 1;
  for (const auto& [ds, s] : series) {
    for (const auto& [p, v] : s) max = std::max(max, Count(v).value_or(0));
  }
  const int w = 1100, h = 300, left = 50, bottom = 40, top = 20;
  const int groups = static_cast<int>(m.size());
  const int n = static_cast<int>(series.size());
  const double gw = static_cast<double>(w - left - 10) / groups;
  const double bw = std::max(4.0, (gw - 12) / std::max(n, 1));
  static const char* kColours[] = {"#1d4f91", "#d9822b", "#2a9d8f", "#8e44ad", "#c0392b", "#7f8c8d"};
  std::string svg = absl::StrFormat("<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' role='img'>%s", w,
                                    h + 30, kDefs);
  for (int i = 0; i <= 4; ++i) {
    double y = top + (h - top - bottom) * (1 - i / 4.0);
    absl::StrAppendFormat(&svg, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/>", left, w, y, y);
    absl::StrAppendFormat(&svg, "<text x='%d' y='%.1f' font-size='11' text-anchor='end'>%d</text>", left - 4, y + 4,
                          static_cast<int>(max * i / 4.0 + 0.5));
  }
  int si = 0;
  for (const auto& [ds, s] : series) {
    for (int g = 0; g < groups; ++g) {
      auto it = s.find(m[g]);
      if (it == s.end()) continue;
      double x = left + g * gw + 6 + si * bw;
      auto v = Count(it->second);
      double bar_h = v ? (h - top - bottom) * static_cast<double>(*v) / max : 14;
      double y = h - bottom - bar_h;
      absl::StrAppendFormat(&svg, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'><title>%s %s: %s</title></rect>",
                            x, y, bw - 1, bar_h, v ? kColours[si % 6] : "url(#hatch)", HtmlEscape(ds), m[g],
                            HtmlEscape(Text(it->second)));
      if (!v) {
        absl::StrAppendFormat(&svg, "<text x='%.1f' y='%.1f' font-size='9' text-anchor='middle'>%s</text>",
                              x + bw / 2, y - 2, HtmlEscape(Text(it->second)));
      }
    }
    absl::StrAppendFormat(&svg, "<rect x='%d' y='%d' width='12' height='12' fill='%s'/><text x='%d' y='%d' font-size='12'>%s</text>",
                          left + si * 230, h + 8, kColours[si % 6], left + si * 230 + 16, h + 18, HtmlEscape(ds));
    ++si;
  }
  for (int g = 0; g < groups; ++g) {
    absl::StrAppendFormat(&svg, "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%s</text>",
                          left + g * gw + gw / 2, h - bottom + 16, m[g]);
  }
  return svg + "</svg>";
}

// The hotspot map as the boundary file's named shapes, filled by the latest
// quarter's count per neighbourhood, each labelled with its name.
std::string NeighbourhoodMap(const json& f) {
  const json shapes = f.value("boundaries", json::array());
  const json rows = f.value("neighbourhoods", json::array());
  if (shapes.empty() || rows.empty()) return "";
  std::string dataset, quarter;
  for (const auto& r : rows) {
    if (r["period_kind"] == "quarter" && Text(r["period"]) > quarter) {
      quarter = Text(r["period"]);
      dataset = Text(r["dataset"]);
    }
  }
  std::map<std::string, json> count;
  int64_t max = 1;
  for (const auto& r : rows) {
    if (r["period_kind"] != "quarter" || Text(r["period"]) != quarter || Text(r["dataset"]) != dataset) continue;
    count[Text(r["neighbourhood"])] = r["count"];
    max = std::max(max, Count(r["count"]).value_or(0));
  }
  double min_e = 1e18, max_e = -1e18, min_n = 1e18, max_n = -1e18;
  for (const auto& a : shapes) {
    for (const auto& ring : a["rings"]) {
      for (const auto& p : ring) {
        min_e = std::min(min_e, p[0].get<double>()), max_e = std::max(max_e, p[0].get<double>());
        min_n = std::min(min_n, p[1].get<double>()), max_n = std::max(max_n, p[1].get<double>());
      }
    }
  }
  if (max_e <= min_e || max_n <= min_n) return "";
  const double scale = 560.0 / std::max(max_e - min_e, max_n - min_n);
  const double w = (max_e - min_e) * scale + 20, h = (max_n - min_n) * scale + 20;
  std::string svg = absl::StrFormat(
      "<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' role='img' aria-label='hotspot map by "
      "neighbourhood' id='neighbourhood-map'>%s",
      w, h, kDefs);
  std::string labels;
  for (const auto& a : shapes) {
    const std::string name = Text(a["name"]);
    auto it = count.find(name);
    const json c = it == count.end() ? json("0") : it->second;
    const auto v = Count(c);
    for (const auto& ring : a["rings"]) {
      std::string points;
      double se = 0, sn = 0;
      for (const auto& p : ring) {
        const double x = 10 + (p[0].get<double>() - min_e) * scale, y = 10 + (max_n - p[1].get<double>()) * scale;
        absl::StrAppendFormat(&points, "%.1f,%.1f ", x, y);
        se += x, sn += y;
      }
      absl::StrAppendFormat(&svg, "<polygon points='%s' fill='%s' stroke='#333' stroke-width='1'><title>%s: %s</title></polygon>",
                            points, v ? Heat(static_cast<double>(*v) / max) : "url(#hatch)", HtmlEscape(name),
                            HtmlEscape(Text(c)));
      const double n = static_cast<double>(ring.size());
      absl::StrAppendFormat(&labels,
                            "<text class='area-name' x='%.1f' y='%.1f' font-size='12' text-anchor='middle' "
                            "font-weight='bold'>%s</text><text x='%.1f' y='%.1f' font-size='11' "
                            "text-anchor='middle'>%s</text>",
                            se / n, sn / n, HtmlEscape(name), se / n, sn / n + 14, HtmlEscape(Text(c)));
    }
  }
  svg += labels + "</svg>";
  return absl::StrCat("<div>", svg,
                      absl::StrFormat("<p class='legend'>%s, %s: records per neighbourhood (names from the boundary "
                                      "file; each grid cell counted in the area containing its centre; north up). "
                                      "Hatched: suppressed (&lt;N or [c]).</p></div>",
                                      HtmlEscape(dataset), HtmlEscape(quarter)));
}

std::string GridHeatMap(const json& counts) {
  // Latest quarter's totals per grid cell ("BNG<m>:<E>:<N>").
  std::string dataset, quarter;
  for (const auto& row : counts) {
    if (row["period_kind"] != "quarter" || Text(row["area"]).rfind("BNG", 0) != 0) continue;
    if (Text(row["period"]) > quarter) {
      quarter = Text(row["period"]);
      dataset = Text(row["dataset"]);
    }
  }
  if (quarter.empty()) return "<p class='note'>No grid-referenced records yet.</p>";
  struct CellView {
    long e, n;
    json count;
  };
  std::vector<CellView> cells;
  long metres = 0, min_e = LONG_MAX, max_e = LONG_MIN, min_n = LONG_MAX, max_n = LONG_MIN;
  int64_t max = 1;
  for (const auto& row : counts) {
    if (row["period_kind"] != "quarter" || Text(row["period"]) != quarter || Text(row["dataset"]) != dataset ||
        row["category"] != "all")
      continue;
    std::vector<std::string> parts = absl::StrSplit(Text(row["area"]), ':');
    long e = 0, n = 0;
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[0].substr(3), &metres) || !absl::SimpleAtoi(parts[1], &e) ||
        !absl::SimpleAtoi(parts[2], &n))
      continue;
    cells.push_back({e, n, row["count"]});
    min_e = std::min(min_e, e), max_e = std::max(max_e, e), min_n = std::min(min_n, n), max_n = std::max(max_n, n);
    max = std::max(max, Count(row["count"]).value_or(0));
  }
  if (cells.empty() || metres <= 0) return "<p class='note'>No grid cells.</p>";
  long cols = (max_e - min_e) / metres + 1, rows = (max_n - min_n) / metres + 1;
  const double size = std::clamp(560.0 / std::max(cols, rows), 8.0, 48.0);
  std::string svg = absl::StrFormat("<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' role='img'>%s",
                                    cols * size + 2, rows * size + 2, kDefs);
  absl::StrAppendFormat(&svg, "<rect width='%.0f' height='%.0f' fill='#f7f7f7' stroke='#ccc'/>", cols * size + 2,
                        rows * size + 2);
  for (const auto& c : cells) {
    double x = 1 + (c.e - min_e) / metres * size, y = 1 + (max_n - c.n) / metres * size;
    auto v = Count(c.count);
    absl::StrAppendFormat(&svg,
                          "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s' stroke='#fff'><title>%ld,%ld: "
                          "%s</title></rect>",
                          x, y, size, size, v ? Heat(static_cast<double>(*v) / max) : "url(#hatch)", c.e, c.n,
                          HtmlEscape(Text(c.count)));
    if (v && size >= 18) {
      absl::StrAppendFormat(&svg, "<text x='%.1f' y='%.1f' font-size='10' text-anchor='middle'>%d</text>",
                            x + size / 2, y + size / 2 + 4, static_cast<int>(*v));
    }
  }
  svg += "</svg>";
  return absl::StrCat("<div><svg width='0' height='0'></svg>", svg,
                      absl::StrFormat("<p class='legend'>%s, %s: recorded crimes per %ld m British National Grid cell "
                                      "(north up). Hatched: suppressed (&lt;N or [c]).</p></div>",
                                      HtmlEscape(dataset), quarter, metres));
}

std::string HourOfWeek(const json& hotspots) {
  const json days = hotspots.value("hour_of_week", json::array());
  int64_t max = 1;
  for (const auto& d : days) {
    for (const auto& v : d["hours"]) max = std::max(max, Count(v).value_or(0));
  }
  const int cell = 20, left = 40, top = 18;
  std::string svg = absl::StrFormat("<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' role='img'>%s",
                                    left + 24 * cell + 4, top + 7 * cell + 4, kDefs);
  for (int h = 0; h < 24; h += 3) {
    absl::StrAppendFormat(&svg, "<text x='%d' y='12' font-size='10'>%02d</text>", left + h * cell, h);
  }
  for (size_t d = 0; d < days.size(); ++d) {
    absl::StrAppendFormat(&svg, "<text x='0' y='%d' font-size='11'>%s</text>", top + static_cast<int>(d) * cell + 14,
                          HtmlEscape(Text(days[d]["day"])));
    for (size_t h = 0; h < days[d]["hours"].size(); ++h) {
      const json& v = days[d]["hours"][h];
      auto n = Count(v);
      std::string fill = !n ? "url(#hatch)" : (*n == 0 ? "#f4f4f4" : Heat(static_cast<double>(*n) / max));
      absl::StrAppendFormat(&svg, "<rect x='%d' y='%d' width='%d' height='%d' fill='%s' stroke='#fff'><title>%s %02d:00 %s</title></rect>",
                            left + static_cast<int>(h) * cell, top + static_cast<int>(d) * cell, cell, cell, fill,
                            HtmlEscape(Text(days[d]["day"])), static_cast<int>(h), HtmlEscape(Text(v)));
    }
  }
  return svg + "</svg>";
}

std::string Table(const json& rows, const std::vector<std::pair<std::string, std::string>>& columns,
                  const std::string& flag_column = "") {
  std::string out = "<table><tr>";
  for (const auto& [key, title] : columns) absl::StrAppend(&out, "<th>", HtmlEscape(title), "</th>");
  out += "</tr>";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& [key, title] : columns) {
      std::string v = row.contains(key) ? Text(row[key]) : "";
      bool numeric = !v.empty() && (std::isdigit(static_cast<unsigned char>(v[0])) || v[0] == '<' || v[0] == '-');
      std::string cls = numeric ? " class='n'" : "";
      if (key == flag_column && !v.empty() && v != "false") cls = " class='flag'";
      absl::StrAppend(&out, "<td", cls, ">", HtmlEscape(v), "</td>");
    }
    out += "</tr>";
  }
  return out + "</table>";
}

// The last 14 days' totals (all categories, all areas) per dataset with
// daily tables, newest first.
json LatestDays(const json& counts) {
  std::map<std::string, std::map<std::string, json>> by_dataset;  // dataset -> day -> row
  for (const auto& row : counts) {
    if (row["period_kind"] != "day" || row["category"] != "all" || row["area"] != "all") continue;
    by_dataset[Text(row["dataset"])][Text(row["period"])] = row;
  }
  json out = json::array();
  for (const auto& [dataset, days] : by_dataset) {
    int n = 0;
    for (auto it = days.rbegin(); it != days.rend() && n < 14; ++it, ++n) out.push_back(it->second);
  }
  return out;
}

// The latest quarter per dataset, by category, with its changes.
json QuarterByCategory(const json& counts) {
  std::map<std::string, std::string> latest;  // dataset -> quarter
  for (const auto& row : counts) {
    if (row["period_kind"] != "quarter") continue;
    std::string& q = latest[Text(row["dataset"])];
    q = std::max(q, Text(row["period"]));
  }
  json rows = json::array();
  for (const auto& row : counts) {
    if (row["period_kind"] != "quarter" || row["area"] != "all") continue;
    if (Text(row["period"]) != latest[Text(row["dataset"])]) continue;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string RenderHtml(const json& f, bool live) {
  const json counts = f.value("counts", json::array());
  const json health = f.value("health", json::object());
  std::string thresholds;
  const json threshold_map = f.value("thresholds", json::object());
  for (const auto& [id, t] : threshold_map.items()) {
    absl::StrAppend(&thresholds, thresholds.empty() ? "" : ", ", HtmlEscape(id), " &lt;", Text(t));
  }
  std::string html = absl::StrCat(
      "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Crime and disorder audit: quarterly "
      "review pack</title>",
      live ? "<meta http-equiv='refresh' content='60'>" : "", "<style>",
      kStyle, "</style></head><body>", "<h1>Crime and disorder audit: quarterly review pack</h1>",
      "<p class='note'>Live figures from the partnership's Accord feeds, as of ", HtmlEscape(Text(f["as_of"])), " (",
      Text(f["records"]),
      " depersonalised records). Every count is perturbed by the ONS cell key method: the same records always "
      "get the same small change (at most &#177;", Text(f.value("disclosure", json::object()).value("max_perturbation", json(0))),
      "), in every table and every time this page is produced, so totals need not equal the sum of their "
      "parts. Counts below each agreement's small-number threshold are shown as &lt;N; [c] marks a count "
      "withheld by the attacker check (both hatched in charts). Changes and shares are worked out from the "
      "published counts. Thresholds: ",
      thresholds.empty() ? "none stated" : thresholds, ".</p>",
      live ? "<p class='note'>This page refreshes itself every minute.</p>" : "");
  absl::StrAppend(&html, "<h2>Trends: records per month</h2>", TrendChart(counts),
                  "<h3>Latest quarter by category</h3>",
                  Table(QuarterByCategory(counts), {{"dataset", "Dataset"},
                                                    {"period", "Quarter"},
                                                    {"category", "Category"},
                                                    {"count", "Count"},
                                                    {"previous_period", "Previous quarter"},
                                                    {"change_vs_previous", "Change"},
                                                    {"same_period_last_year", "Last year"},
                                                    {"change_vs_last_year", "Change on last year"}}));
  const json days = LatestDays(counts);
  if (!days.empty()) {
    absl::StrAppend(&html, "<h3>Daily: the last 14 days with records</h3>",
                    Table(days, {{"dataset", "Dataset"},
                                 {"period", "Day"},
                                 {"count", "Count"},
                                 {"previous_period", "Day before"},
                                 {"change_vs_previous", "Change"},
                                 {"same_period_last_year", "Same weekday last year"},
                                 {"change_vs_last_year", "Change on last year"}}),
                    "<p class='note'>Daily tables (counts.csv, period_kind day) cover only datasets whose "
                    "agreements keep event times to the day or the hour; any other is listed under "
                    "\"Not included\" below.</p>");
  }
  const std::string named_map = NeighbourhoodMap(f);
  absl::StrAppend(&html, "<h2>Hotspots</h2><div class='grid'>", named_map.empty() ? GridHeatMap(counts) : named_map, "<div>",
                  "<h3 style='margin-top:0'>A&amp;E assault attendances by hour of week</h3>",
                  HourOfWeek(f.value("ae_hotspots", json::object())), "<h3>A&amp;E assault locations</h3>",
                  Table(f.value("ae_hotspots", json::object()).value("locations", json::array()),
                        {{"location", "Location"}, {"attendances", "Attendances"}}),
                  "</div></div>");
  absl::StrAppend(&html, "<h2>Repeat victimisation (12 months)</h2>",
                  Table(f.value("repeat_victimisation", json::array()),
                        {{"agreement", "Agreement"}, {"victims", "Victims"}, {"repeat_victims", "Repeat victims"},
                         {"repeat_share", "Share"}}));
  for (const auto& r : f.value("repeat_victimisation", json::array())) {
    if (r.value("top_repeat_locations", json::array()).empty()) continue;
    absl::StrAppend(&html, "<p class='note'>Top repeat locations, ", HtmlEscape(Text(r["agreement"])), ":</p>",
                    Table(r["top_repeat_locations"], {{"area", "Area"}, {"incidents", "Incidents"}}));
  }
  absl::StrAppend(&html, "<h2>A&amp;E assaults unknown to the police (Cardiff Model)</h2>",
                  Table(f.value("cardiff_linkage", json::array()),
                        {{"agreement", "Agreement"},
                         {"method", "Linked by"},
                         {"place", "A&E place"},
                         {"ae_assault_attendances", "Attendances"},
                         {"unknown_to_police", "No police record"},
                         {"matched_police_violence", "Matched"},
                         {"unknown_share", "Share unknown"}}));
  absl::StrAppend(&html, "<h2>Displacement check (month on month)</h2>",
                  f.value("displacement", json::array()).empty()
                      ? std::string("<p class='note'>No publishable hotspot fell this month.</p>")
                      : Table(f["displacement"], {{"cell", "Hotspot cell"},
                                                  {"previous_period", "From"},
                                                  {"current_period", "To"},
                                                  {"previous", "Before"},
                                                  {"current", "After"},
                                                  {"change", "Change"},
                                                  {"neighbours_change", "Change in the 8 neighbours"}}));
  // Named interventions: WDQ and WDD.
  json evaluations = json::array();
  for (const auto& v : f.value("interventions", json::array())) {
    json row = v;
    for (const char* zone : {"target", "buffer", "control"}) {
      const json z = v.value("counts", json::object()).value(zone, json::object());
      row[absl::StrCat(zone, "_counts")] = absl::StrCat(Text(z.value("before", json(""))), " → ", Text(z.value("after", json(""))));
    }
    row["periods"] = absl::StrCat(Text(v["before"]["from"]), "..", Text(v["before"]["to"]), " vs ", Text(v["after"]["from"]),
                                  "..", Text(v["after"]["to"]));
    evaluations.push_back(row);
  }
  absl::StrAppend(&html, "<h2>Interventions: displacement and diffusion of benefit</h2>",
                  evaluations.empty()
                      ? std::string("<p class='note'>No intervention is declared (interventions: in the analyst config).</p>")
                      : Table(evaluations, {{"name", "Intervention"},
                                            {"periods", "Before vs after"},
                                            {"target_counts", "Target"},
                                            {"buffer_counts", "Buffer"},
                                            {"control_counts", "Control"},
                                            {"wdq", "WDQ"},
                                            {"wdq_reading", "Reading"},
                                            {"wdd", "WDD"},
                                            {"wdd_se", "SE"},
                                            {"wdd_z", "z"},
                                            {"note", "Note"}}),
                  "<p class='note'>WDQ: Bowers &amp; Johnson (2003), positive = diffusion of benefit, negative = "
                  "displacement. WDD: Wheeler &amp; Ratcliffe (2018), with its standard error under a Poisson "
                  "assumption; |z| &gt; 1.96 is significant at 5%. Both from the published counts.</p>");
  // Datasets left out of a table, and why.
  json excluded = json::array();
  for (const auto& d : f.value("datasets", json::array())) {
    for (const auto& x : d.value("not_included", json::array())) {
      excluded.push_back({{"dataset", d["dataset"]}, {"from", x["from"]}, {"because", x["because"]}});
    }
  }
  absl::StrAppend(&html, "<h2>Datasets and analysis roles</h2>",
                  Table(f.value("datasets", json::array()), {{"dataset", "Dataset"}, {"roles_from", "Roles from"}}),
                  excluded.empty() ? std::string("<p class='note ok'>Every dataset is in every table.</p>")
                                   : absl::StrCat("<h3>Not included</h3>",
                                                  Table(excluded, {{"dataset", "Dataset"}, {"from", "Not in"},
                                                                   {"because", "Because"}})));
  absl::StrAppend(&html, "<h2>Record of data difficulties</h2>",
                  f.value("data_difficulties", json::array()).empty()
                      ? std::string("<p class='note ok'>Nothing recorded.</p>")
                      : Table(f["data_difficulties"], {{"kind", "Kind"}, {"subject", "About"}, {"detail", "Detail"},
                                                       {"since", "Since"}, {"owner", "Owner"}, {"status", "Status"}}));
  absl::StrAppend(&html, "<h2>Data-sharing health</h2>",
                  Table(health.value("datasets", json::array()),
                        {{"provider", "Agency"},
                         {"dataset", "Dataset"},
                         {"records_received", "Records"},
                         {"last_event", "Latest event"},
                         {"hours_since_last_event", "Hours since latest event"},
                         {"last_received", "Last received"},
                         {"hours_since_last_received", "Hours since last received"},
                         {"last_week", "Last week"},
                         {"usual_week", "Usual week"},
                         {"volume_drop", "Volume drop"}},
                        "volume_drop"));
  // Missing-field rates, only the fields with something missing.
  json missing_rows = json::array();
  for (const auto& d : health.value("datasets", json::array())) {
    const json rates = d.value("missing_field_rates", json::object());
    for (const auto& [field, rate] : rates.items()) {
      if (Text(rate) != "0.0%") missing_rows.push_back({{"dataset", d["dataset"]}, {"field", field}, {"rate", rate}});
    }
  }
  absl::StrAppend(&html, "<h3>Missing fields</h3>",
                  missing_rows.empty() ? std::string("<p class='note ok'>No expected field is missing.</p>")
                                       : Table(missing_rows, {{"dataset", "Dataset"}, {"field", "Field"}, {"rate", "Missing"}}));
  absl::StrAppend(&html, "<h3>Records rejected by the hub</h3>");
  if (health.contains("rejections_hub_wide") && health["rejections_hub_wide"].is_object()) {
    json rows = json::array();
    for (const auto& [reason, n] : health["rejections_hub_wide"].items()) rows.push_back({{"reason", reason}, {"n", n}});
    json by_source = health.value("rejections_by_source", json::array());
    if (!by_source.empty()) {
      absl::StrAppend(&html, Table(by_source, {{"agency", "Agency"}, {"dataset", "Dataset"},
                                               {"reason", "Reason"}, {"records", "Records"}}));
    } else {
      absl::StrAppend(&html, rows.empty() ? std::string("<p class='note ok'>None.</p>")
                                          : Table(rows, {{"reason", "Reason"}, {"n", "Records"}}));
    }
  } else {
    absl::StrAppend(&html, "<p class='note'>", HtmlEscape(Text(health.value("rejections_note", json("")))),
                    "</p>");
  }
  absl::StrAppend(&html, "<h3>Agreements</h3>",
                  Table(health.value("agreements", json::array()),
                        {{"agreement", "Agreement"},
                         {"version", "Version"},
                         {"review_by", "Review by"},
                         {"valid_until", "Valid until"},
                         {"flag", "Attention"}},
                        "flag"));
  absl::StrAppend(&html, "<p class='note'>Generated ", HtmlEscape(Text(f["generated_at"])),
                  " by accord-analyst. CSV and JSON of every table sit beside this file.</p></body></html>\n");
  return html;
}

}  // namespace accord::analyst
