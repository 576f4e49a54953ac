// The JSON value type of ragdb's API (payloads, filters in JSON form, schemas).
#pragma once

#include <nlohmann/json.hpp>

namespace ragdb {
using Json = nlohmann::json;
}  // namespace ragdb
