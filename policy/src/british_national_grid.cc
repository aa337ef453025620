#include "accord/policy/british_national_grid.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace accord::policy {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDegToRad = kPi / 180.0;
constexpr double kArcSecToRad = kDegToRad / 3600.0;

struct Ellipsoid {
  double a;
  double b;
};
constexpr Ellipsoid kWgs84{6378137.000, 6356752.314245};
constexpr Ellipsoid kAiry1830{6377563.396, 6356256.909};

// National Grid projection constants.
constexpr double kF0 = 0.9996012717;
constexpr double kLat0 = 49.0 * kDegToRad;
constexpr double kLon0 = -2.0 * kDegToRad;
constexpr double kE0 = 400000.0;
constexpr double kN0 = -100000.0;

// ETRS89 (WGS84) -> OSGB36 Helmert parameters.
constexpr double kTx = -446.448, kTy = 125.157, kTz = -542.060;
constexpr double kScalePpm = 20.4894;
constexpr double kRx = -0.1502 * kArcSecToRad;
constexpr double kRy = -0.2470 * kArcSecToRad;
constexpr double kRz = -0.8421 * kArcSecToRad;

// The grid's extent: anything outside is not Great Britain.
constexpr double kMaxEasting = 700000.0;
constexpr double kMaxNorthing = 1300000.0;

struct Cartesian {
  double x, y, z;
};

absl::Status CheckBounds(double lat, double lon) {
  if (!std::isfinite(lat) || !std::isfinite(lon)) {
    return absl::InvalidArgumentError("geo point is not a finite latitude/longitude");
  }
  if (lat < 49.8 || lat > 61.0 || lon < -9.0 || lon > 2.5) {
    return absl::InvalidArgumentError("geo point is outside Great Britain");
  }
  return absl::OkStatus();
}

Cartesian ToCartesian(double lat, double lon, const Ellipsoid& e) {
  double e2 = 1.0 - (e.b * e.b) / (e.a * e.a);
  double s = std::sin(lat);
  double nu = e.a / std::sqrt(1.0 - e2 * s * s);
  return {nu * std::cos(lat) * std::cos(lon), nu * std::cos(lat) * std::sin(lon),
          nu * (1.0 - e2) * s};
}

Cartesian Helmert(const Cartesian& p) {
  double s1 = 1.0 + kScalePpm * 1e-6;
  return {kTx + s1 * p.x - kRz * p.y + kRy * p.z,
          kTy + kRz * p.x + s1 * p.y - kRx * p.z,
          kTz - kRy * p.x + kRx * p.y + s1 * p.z};
}

// Cartesian -> geodetic latitude/longitude in radians (iterative).
void ToGeodetic(const Cartesian& p, const Ellipsoid& e, double* lat, double* lon) {
  double e2 = 1.0 - (e.b * e.b) / (e.a * e.a);
  double r = std::hypot(p.x, p.y);
  double phi = std::atan2(p.z, r * (1.0 - e2));
  for (int i = 0; i < 10; ++i) {
    double s = std::sin(phi);
    double nu = e.a / std::sqrt(1.0 - e2 * s * s);
    double next = std::atan2(p.z + e2 * nu * s, r);
    if (std::fabs(next - phi) < 1e-12) {
      phi = next;
      break;
    }
    phi = next;
  }
  *lat = phi;
  *lon = std::atan2(p.y, p.x);
}

// OS guide, section C.1: latitude/longitude (radians, Airy 1830) -> E, N.
GridRef TransverseMercator(double phi, double lambda) {
  const double a = kAiry1830.a, b = kAiry1830.b;
  const double e2 = 1.0 - (b * b) / (a * a);
  const double n = (a - b) / (a + b), n2 = n * n, n3 = n2 * n;
  const double sin_phi = std::sin(phi), cos_phi = std::cos(phi), tan_phi = std::tan(phi);
  const double t2 = tan_phi * tan_phi, t4 = t2 * t2;
  const double nu = a * kF0 / std::sqrt(1.0 - e2 * sin_phi * sin_phi);
  const double rho = a * kF0 * (1.0 - e2) / std::pow(1.0 - e2 * sin_phi * sin_phi, 1.5);
  const double eta2 = nu / rho - 1.0;
  const double dphi = phi - kLat0, sphi = phi + kLat0;
  const double m =
      b * kF0 *
      ((1.0 + n + 1.25 * n2 + 1.25 * n3) * dphi -
       (3.0 * n + 3.0 * n2 + 21.0 / 8.0 * n3) * std::sin(dphi) * std::cos(sphi) +
       (15.0 / 8.0 * n2 + 15.0 / 8.0 * n3) * std::sin(2.0 * dphi) * std::cos(2.0 * sphi) -
       35.0 / 24.0 * n3 * std::sin(3.0 * dphi) * std::cos(3.0 * sphi));
  const double c3 = cos_phi * cos_phi * cos_phi, c5 = c3 * cos_phi * cos_phi;
  const double i = m + kN0;
  const double ii = nu / 2.0 * sin_phi * cos_phi;
  const double iii = nu / 24.0 * sin_phi * c3 * (5.0 - t2 + 9.0 * eta2);
  const double iiia = nu / 720.0 * sin_phi * c5 * (61.0 - 58.0 * t2 + t4);
  const double iv = nu * cos_phi;
  const double v = nu / 6.0 * c3 * (nu / rho - t2);
  const double vi = nu / 120.0 * c5 * (5.0 - 18.0 * t2 + t4 + 14.0 * eta2 - 58.0 * t2 * eta2);
  const double dl = lambda - kLon0, dl2 = dl * dl;
  GridRef g;
  g.northing = i + ii * dl2 + iii * dl2 * dl2 + iiia * dl2 * dl2 * dl2;
  g.easting = kE0 + iv * dl + v * dl2 * dl + vi * dl2 * dl2 * dl;
  return g;
}

}  // namespace

absl::StatusOr<GridRef> Osgb36ToBng(double lat, double lon) {
  if (absl::Status s = CheckBounds(lat, lon); !s.ok()) return s;
  return TransverseMercator(lat * kDegToRad, lon * kDegToRad);
}

absl::StatusOr<GridRef> Wgs84ToBng(double lat, double lon) {
  if (absl::Status s = CheckBounds(lat, lon); !s.ok()) return s;
  Cartesian osgb = Helmert(ToCartesian(lat * kDegToRad, lon * kDegToRad, kWgs84));
  double phi = 0, lambda = 0;
  ToGeodetic(osgb, kAiry1830, &phi, &lambda);
  return TransverseMercator(phi, lambda);
}

absl::StatusOr<std::string> GridCell(double lat, double lon, int metres) {
  if (metres <= 0 || 100000 % metres != 0) {
    return absl::InvalidArgumentError("grid cell size must be positive and divide 100000");
  }
  absl::StatusOr<GridRef> g = Wgs84ToBng(lat, lon);
  if (!g.ok()) return g.status();
  if (g->easting < 0 || g->easting >= kMaxEasting || g->northing < 0 ||
      g->northing >= kMaxNorthing) {
    return absl::InvalidArgumentError("geo point is outside the National Grid");
  }
  auto e0 = static_cast<int64_t>(std::floor(g->easting / metres)) * metres;
  auto n0 = static_cast<int64_t>(std::floor(g->northing / metres)) * metres;
  return absl::StrCat("BNG", metres, ":", e0, ":", n0);
}

}  // namespace accord::policy
