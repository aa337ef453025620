// Named areas (wards, beats, LSOAs) from a GeoJSON boundary file, so that the
// pack reports by neighbourhood and draws its map as shapes with names.
//
// The file is a FeatureCollection of Polygon or MultiPolygon features in
// WGS84 longitude/latitude (RFC 7946), each with a "name" property. Vertices
// are projected to the British National Grid (policy/british_national_grid.h)
// and a grid cell "BNG<m>:<E>:<N>" belongs to the area that contains its
// CENTRE (E + m/2, N + m/2). Other area labels (postcode sectors) are not
// assigned.
//
// Thread safety: immutable after Load; const methods are thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace accord::analyst {

struct BngPoint {
  double e = 0, n = 0;
};

struct NamedArea {
  std::string name;
  std::vector<std::vector<BngPoint>> rings;  // outer rings of its polygons (holes ignored)
};

class Boundaries {
 public:
  // InvalidArgument naming the feature and what is wrong (not JSON, not a
  // FeatureCollection, a feature without a name, a ring with < 4 positions,
  // coordinates outside Great Britain).
  static absl::StatusOr<Boundaries> Parse(const std::string& geojson_text);

  const std::vector<NamedArea>& areas() const { return areas_; }
  bool empty() const { return areas_.empty(); }
  // The name of the area containing the centre of grid cell `label`, or ""
  // (not a grid cell, or in no area).
  std::string AreaOfCell(const std::string& label) const;

 private:
  std::vector<NamedArea> areas_;
};

}  // namespace accord::analyst
