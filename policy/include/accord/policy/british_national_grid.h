// WGS84 latitude/longitude -> Ordnance Survey National Grid (OSGB36 / British
// National Grid, EPSG:27700) easting and northing, and grid cells for the
// `generalise: grid` treatment.
//
// Projection choice: the British National Grid, because the partnerships that
// receive the data map in it and its metre grid gives square cells.
// Method (Ordnance Survey, "A guide to coordinate systems in Great Britain"):
//  1. WGS84 (treated as ETRS89) geodetic -> cartesian on the GRS80/WGS84
//     ellipsoid, height 0;
//  2. the OS 7-parameter Helmert transformation ETRS89 -> OSGB36
//     (tx -446.448 m, ty +125.157 m, tz -542.060 m, s +20.4894 ppm,
//      rx -0.1502", ry -0.2470", rz -0.8421");
//  3. cartesian -> geodetic on the Airy 1830 ellipsoid;
//  4. the OS Transverse Mercator projection (F0 0.9996012717, true origin
//     49°N 2°W, false origin E 400000 m, N -100000 m).
// The Helmert step is accurate to a few metres (OSTN15 would give ~0.1 m),
// ample for cells of 50 m and more.
//
// Pure functions; thread-safe. Errors never echo the coordinates.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace accord::policy {

struct GridRef {
  double easting = 0;   // metres
  double northing = 0;  // metres
};

// WGS84 degrees -> BNG. InvalidArgument for NaN/infinite input or a point
// outside Great Britain's bounds (latitude 49.8..61 N, longitude -9..2.5 E).
absl::StatusOr<GridRef> Wgs84ToBng(double lat, double lon);

// Step 4 alone: OSGB36 (Airy 1830) degrees -> BNG. Same bounds as above.
absl::StatusOr<GridRef> Osgb36ToBng(double lat, double lon);

// The grid cell of `metres` containing the point, labelled
//   "BNG<metres>:<E0>:<N0>"
// where E0, N0 are the cell's south-west corner in whole metres, e.g.
// "BNG500:514000:207000". `metres` must be positive and divide 100000
// (InvalidArgument otherwise).
absl::StatusOr<std::string> GridCell(double lat, double lon, int metres);

}  // namespace accord::policy
