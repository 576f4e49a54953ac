#include "query/geo.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace ragdb::internal {
namespace {

constexpr double kPi = 3.14159265358979323846;
double Radians(double deg) { return deg * kPi / 180.0; }
double Degrees(double rad) { return rad * 180.0 / kPi; }

bool ValidPoint(const GeoPoint& p) {
  return std::isfinite(p.lon) && std::isfinite(p.lat) && p.lon >= -180 && p.lon <= 180 &&
         p.lat >= -90 && p.lat <= 90;
}

bool InBox(const GeoShape& s, const GeoPoint& p) {
  if (p.lat < s.bottom_right.lat || p.lat > s.top_left.lat) return false;
  const bool east_of_left = p.lon >= s.top_left.lon;
  const bool west_of_right = p.lon <= s.bottom_right.lon;
  // A box whose left edge lies east of its right edge wraps around the antimeridian.
  return s.top_left.lon > s.bottom_right.lon ? east_of_left || west_of_right
                                             : east_of_left && west_of_right;
}

// Even-odd rule: a ray from p towards +lon crosses the ring's edges an odd number of times.
bool InRing(const std::vector<GeoPoint>& ring, const GeoPoint& p) {
  bool inside = false;
  for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const GeoPoint& a = ring[i];
    const GeoPoint& b = ring[j];
    if ((a.lat > p.lat) != (b.lat > p.lat)) {
      const double lon = a.lon + (p.lat - a.lat) / (b.lat - a.lat) * (b.lon - a.lon);
      if (p.lon < lon) inside = !inside;
    }
  }
  return inside;
}

bool InPolygon(const GeoShape& s, const GeoPoint& p) {
  if (s.exterior.size() < 3 || !InRing(s.exterior, p)) return false;
  for (const auto& hole : s.interiors) {
    if (hole.size() >= 3 && InRing(hole, p)) return false;
  }
  return true;
}

// A lon/lat rectangle with lon_min <= lon_max (no wrap).
struct Rect {
  double lon_min, lon_max, lat_min, lat_max;
};

std::vector<Rect> Bounds(Condition::Kind kind, const GeoShape& s) {
  using K = Condition::Kind;
  if (kind == K::kGeoBoundingBox) {
    const double bottom = s.bottom_right.lat, top = s.top_left.lat;
    if (s.top_left.lon > s.bottom_right.lon) {
      return {{s.top_left.lon, 180, bottom, top}, {-180, s.bottom_right.lon, bottom, top}};
    }
    return {{s.top_left.lon, s.bottom_right.lon, bottom, top}};
  }
  if (kind == K::kGeoPolygon) {
    Rect r{180, -180, 90, -90};
    for (const GeoPoint& p : s.exterior) {
      r.lon_min = std::min(r.lon_min, p.lon);
      r.lon_max = std::max(r.lon_max, p.lon);
      r.lat_min = std::min(r.lat_min, p.lat);
      r.lat_max = std::max(r.lat_max, p.lat);
    }
    if (r.lon_min > r.lon_max) return {};
    return {r};
  }
  // Radius: the spherical cap's bounding box, widened a little against rounding.
  const double angle = s.radius / kEarthRadiusMeters * 1.0001 + 1e-9;
  const double dlat = Degrees(angle);
  double lat_min = s.center.lat - dlat, lat_max = s.center.lat + dlat;
  if (lat_min <= -90 || lat_max >= 90 || angle >= kPi / 2) {  // a pole is inside: every lon
    return {{-180, 180, std::max(-90.0, lat_min), std::min(90.0, lat_max)}};
  }
  const double ratio = std::sin(angle) / std::cos(Radians(s.center.lat));
  if (ratio >= 1) return {{-180, 180, lat_min, lat_max}};
  const double dlon = Degrees(std::asin(ratio));
  const double lo = s.center.lon - dlon, hi = s.center.lon + dlon;
  if (lo < -180) return {{lo + 360, 180, lat_min, lat_max}, {-180, hi, lat_min, lat_max}};
  if (hi > 180) return {{lo, 180, lat_min, lat_max}, {-180, hi - 360, lat_min, lat_max}};
  return {{lo, hi, lat_min, lat_max}};
}

constexpr double kCells = 4294967296.0;  // 2^32 per axis

uint32_t QuantLon(double lon) {
  return static_cast<uint32_t>(std::clamp((lon + 180.0) / 360.0 * kCells, 0.0, kCells - 1));
}
uint32_t QuantLat(double lat) {
  return static_cast<uint32_t>(std::clamp((lat + 90.0) / 180.0 * kCells, 0.0, kCells - 1));
}

uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFull;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFull;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0Full;
  x = (x | (x << 2)) & 0x3333333333333333ull;
  x = (x | (x << 1)) & 0x5555555555555555ull;
  return x;
}

// One quadtree node: cells x0.. x0 + size - 1 by y0 .. y0 + size - 1 (quantized coordinates).
struct Node {
  uint64_t x0, y0, size;
};

}  // namespace

double HaversineMeters(const GeoPoint& a, const GeoPoint& b) {
  const double dlat = Radians(b.lat - a.lat);
  const double dlon = Radians(b.lon - a.lon);
  const double h =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(Radians(a.lat)) * std::cos(Radians(b.lat)) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusMeters * std::asin(std::min(1.0, std::sqrt(h)));
}

bool GeoContains(Condition::Kind kind, const GeoShape& shape, const GeoPoint& p) {
  switch (kind) {
    case Condition::Kind::kGeoRadius:
      return HaversineMeters(shape.center, p) < shape.radius;
    case Condition::Kind::kGeoBoundingBox:
      return InBox(shape, p);
    case Condition::Kind::kGeoPolygon:
      return InPolygon(shape, p);
    default:
      return false;
  }
}

std::optional<GeoPoint> GeoPointOf(const Json& v) {
  if (!v.is_object()) return std::nullopt;
  auto lon = v.find("lon");
  auto lat = v.find("lat");
  if (lon == v.end() || lat == v.end() || !lon->is_number() || !lat->is_number()) {
    return std::nullopt;
  }
  GeoPoint p{lon->get<double>(), lat->get<double>()};
  if (!ValidPoint(p)) return std::nullopt;
  return p;
}

Status ValidateGeoShape(Condition::Kind kind, const GeoShape& s) {
  auto point = [](const GeoPoint& p, const std::string& what) -> Status {
    if (!ValidPoint(p)) {
      return Status::InvalidArgument(what + ": lon must be in -180..180 and lat in -90..90");
    }
    return Status::Ok();
  };
  auto ring = [&](const std::vector<GeoPoint>& r, const std::string& what) -> Status {
    if (r.size() < 4) return Status::InvalidArgument(what + ": a ring needs at least 4 points");
    if (!(r.front() == r.back())) {
      return Status::InvalidArgument(what + ": a ring must end with its first point");
    }
    for (size_t i = 0; i < r.size(); ++i) {
      RAGDB_RETURN_IF_ERROR(point(r[i], what + ".points[" + std::to_string(i) + "]"));
    }
    return Status::Ok();
  };
  switch (kind) {
    case Condition::Kind::kGeoRadius:
      RAGDB_RETURN_IF_ERROR(point(s.center, "center"));
      if (!std::isfinite(s.radius) || s.radius < 0) {
        return Status::InvalidArgument("radius must be a finite number of meters >= 0");
      }
      return Status::Ok();
    case Condition::Kind::kGeoBoundingBox:
      RAGDB_RETURN_IF_ERROR(point(s.top_left, "top_left"));
      RAGDB_RETURN_IF_ERROR(point(s.bottom_right, "bottom_right"));
      if (s.top_left.lat < s.bottom_right.lat) {
        return Status::InvalidArgument("top_left.lat must not be below bottom_right.lat");
      }
      return Status::Ok();
    case Condition::Kind::kGeoPolygon:
      RAGDB_RETURN_IF_ERROR(ring(s.exterior, "exterior"));
      for (size_t i = 0; i < s.interiors.size(); ++i) {
        RAGDB_RETURN_IF_ERROR(ring(s.interiors[i], "interiors[" + std::to_string(i) + "]"));
      }
      return Status::Ok();
    default:
      return Status::InvalidArgument("not a geo condition");
  }
}

uint64_t GeoCell(const GeoPoint& p) {
  return Spread(QuantLon(p.lon)) | (Spread(QuantLat(p.lat)) << 1);
}

std::vector<std::pair<uint64_t, uint64_t>> GeoCellRanges(Condition::Kind kind,
                                                         const GeoShape& shape) {
  constexpr size_t kMaxNodes = 64;
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const Rect& r : Bounds(kind, shape)) {
    const uint64_t x_lo = QuantLon(r.lon_min), x_hi = QuantLon(r.lon_max);
    const uint64_t y_lo = QuantLat(r.lat_min), y_hi = QuantLat(r.lat_max);
    // Breadth-first down the quadtree while the nodes touching the rectangle stay few; each
    // node left at the end is one contiguous run of Z-order cells.
    std::vector<Node> level{{0, 0, uint64_t{1} << 32}}, next;
    std::vector<Node> done;  // nodes wholly inside the rectangle
    while (!level.empty() && level[0].size > 1) {
      next.clear();
      for (const Node& n : level) {
        const uint64_t h = n.size / 2;
        for (int q = 0; q < 4; ++q) {
          Node c{n.x0 + (q & 1 ? h : 0), n.y0 + (q & 2 ? h : 0), h};
          if (c.x0 > x_hi || c.x0 + h - 1 < x_lo || c.y0 > y_hi || c.y0 + h - 1 < y_lo) continue;
          const bool inside =
              c.x0 >= x_lo && c.x0 + h - 1 <= x_hi && c.y0 >= y_lo && c.y0 + h - 1 <= y_hi;
          (inside ? done : next).push_back(c);
        }
      }
      if (next.size() + done.size() > kMaxNodes) break;  // keep the coarser level
      level.swap(next);
    }
    done.insert(done.end(), level.begin(), level.end());
    for (const Node& n : done) {
      const uint64_t first =
          Spread(static_cast<uint32_t>(n.x0)) | (Spread(static_cast<uint32_t>(n.y0)) << 1);
      const uint64_t cells = n.size * n.size;  // <= 2^64: the root is never emitted alone here
      out.emplace_back(first, cells == 0 ? ~uint64_t{0} : first + (cells - 1));
    }
  }
  std::sort(out.begin(), out.end());
  std::vector<std::pair<uint64_t, uint64_t>> merged;
  for (const auto& r : out) {
    if (!merged.empty() && r.first <= merged.back().second + 1 && merged.back().second != ~0ull) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else if (!merged.empty() && merged.back().second == ~0ull) {
      continue;
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

}  // namespace ragdb::internal
