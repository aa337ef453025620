#include "boundaries.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "accord/policy/british_national_grid.h"
#include "nlohmann/json.hpp"

namespace accord::analyst {
namespace {

using nlohmann::json;

bool Inside(const std::vector<BngPoint>& ring, double e, double n) {
  bool in = false;
  for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    if (((ring[i].n > n) != (ring[j].n > n)) &&
        (e < (ring[j].e - ring[i].e) * (n - ring[i].n) / (ring[j].n - ring[i].n) + ring[i].e)) {
      in = !in;
    }
  }
  return in;
}

absl::StatusOr<std::vector<BngPoint>> Ring(const json& coords, const std::string& where) {
  if (!coords.is_array() || coords.size() < 4) return absl::InvalidArgumentError(where + ": a ring needs at least 4 positions");
  std::vector<BngPoint> ring;
  for (const json& p : coords) {
    if (!p.is_array() || p.size() < 2 || !p[0].is_number() || !p[1].is_number()) {
      return absl::InvalidArgumentError(where + ": a position must be [longitude, latitude]");
    }
    auto g = policy::Wgs84ToBng(p[1].get<double>(), p[0].get<double>());
    if (!g.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", g.status().message()));
    ring.push_back({g->easting, g->northing});
  }
  return ring;
}

}  // namespace

absl::StatusOr<Boundaries> Boundaries::Parse(const std::string& text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("boundary file: not JSON");
  if (!doc.is_object() || doc.value("type", "") != "FeatureCollection" || !doc.contains("features") ||
      !doc["features"].is_array()) {
    return absl::InvalidArgumentError("boundary file: expected a GeoJSON FeatureCollection");
  }
  Boundaries b;
  for (size_t i = 0; i < doc["features"].size(); ++i) {
    const json& f = doc["features"][i];
    const std::string where = absl::StrCat("boundary file: feature ", i);
    if (!f.is_object() || !f.contains("properties") || !f["properties"].is_object() ||
        !f["properties"].contains("name") || !f["properties"]["name"].is_string()) {
      return absl::InvalidArgumentError(where + ": needs a \"name\" property");
    }
    NamedArea area;
    area.name = f["properties"]["name"].get<std::string>();
    const json g = f.value("geometry", json::object());
    const std::string type = g.is_object() ? g.value("type", "") : "";
    std::vector<json> polygons;
    if (type == "Polygon" && g.contains("coordinates")) {
      polygons.push_back(g["coordinates"]);
    } else if (type == "MultiPolygon" && g.contains("coordinates") && g["coordinates"].is_array()) {
      for (const json& p : g["coordinates"]) polygons.push_back(p);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(where, " (", area.name, "): geometry must be a Polygon or MultiPolygon"));
    }
    for (const json& p : polygons) {
      if (!p.is_array() || p.empty()) return absl::InvalidArgumentError(absl::StrCat(where, " (", area.name, "): empty polygon"));
      auto ring = Ring(p[0], absl::StrCat(where, " (", area.name, ")"));
      if (!ring.ok()) return ring.status();
      area.rings.push_back(std::move(*ring));
    }
    b.areas_.push_back(std::move(area));
  }
  return b;
}

std::string Boundaries::AreaOfCell(const std::string& label) const {
  std::vector<std::string> parts = absl::StrSplit(label, ':');
  double metres = 0, e = 0, n = 0;
  if (parts.size() != 3 || !parts[0].starts_with("BNG") || !absl::SimpleAtod(parts[0].substr(3), &metres) ||
      !absl::SimpleAtod(parts[1], &e) || !absl::SimpleAtod(parts[2], &n)) {
    return "";
  }
  for (const NamedArea& a : areas_) {
    for (const auto& ring : a.rings) {
      if (Inside(ring, e + metres / 2, n + metres / 2)) return a.name;
    }
  }
  return "";
}

}  // namespace accord::analyst
