// RFC 3339 date-times as filters and payload indexes read them: instants in microseconds since
// 1970-01-01T00:00:00Z.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ragdb::internal {

// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fraction]]" with 'T', 't' or one space between date
// and time, then an optional zone: "Z", "z", "+HH:MM", "-HH:MM", "+HHMM" or "+HH". Without a zone
// the time is UTC (as Qdrant reads it). Fractions beyond microseconds are truncated. Years
// 0000..9999; the fields must form a real date (February 29 only in leap years) and time (seconds
// 0..60, a leap second reading as :59 plus one second). nullopt for anything else.
std::optional<int64_t> ParseDatetime(std::string_view text);

// The instant as "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (the fraction only when it is not zero, without
// trailing zeros), which
// ParseDatetime reads back exactly.
std::string FormatDatetime(int64_t micros);

}  // namespace ragdb::internal
