// Geo conditions: which points a radius, box or polygon contains, what a payload value holds as a
// geo point, and the cell ranges a geo payload index reads to answer a condition.
//
// Points are degrees (lon -180..180, lat -90..90). Distances are great-circle (haversine) on a
// sphere of the Earth's mean radius, 6,371,008.8 m, as Qdrant measures them. A radius contains
// points strictly closer than it; a box contains its edges; a polygon is tested on the lon/lat
// plane (even-odd rule over the exterior ring, minus the holes).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "ragdb/filter.h"
#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb::internal {

inline constexpr double kEarthRadiusMeters = 6371008.8;

double HaversineMeters(const GeoPoint& a, const GeoPoint& b);

// True when `kind` (kGeoRadius, kGeoBoundingBox or kGeoPolygon) over `shape` contains `p`.
bool GeoContains(Condition::Kind kind, const GeoShape& shape, const GeoPoint& p);

// A payload value read as a geo point: an object with numeric "lon" in -180..180 and "lat" in
// -90..90 (other keys are ignored). nullopt otherwise.
std::optional<GeoPoint> GeoPointOf(const Json& value);

// Checks a shape as a filter states it: coordinates in range, a finite radius >= 0, closed rings of
// at least 4 points. The message names what is wrong.
Status ValidateGeoShape(Condition::Kind kind, const GeoShape& shape);

// The Z-order cell of a point: lon and lat quantized to 32 bits each, bits interleaved (lon in the
// even bits). Nearby points get nearby cells.
uint64_t GeoCell(const GeoPoint& p);

// Cell ranges [first, last] (inclusive) that together cover every point `kind` over `shape` may
// contain (a superset: candidates are tested with GeoContains). At most about 64 ranges, sorted and
// disjoint.
std::vector<std::pair<uint64_t, uint64_t>> GeoCellRanges(Condition::Kind kind,
                                                         const GeoShape& shape);

}  // namespace ragdb::internal
