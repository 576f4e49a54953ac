// Paths of the decoder runtime's test data: fixtures written by testdata/make_fixtures.py (a
// CTest fixture, into the build folder) and the shared data sets.
#pragma once

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "base/file.h"

namespace ragdb::model::llm::testing {

inline std::string FixtureDir() {
  const char* b = std::getenv("RAGDB_BINARY_DIR");
  return std::string(b ? b : "build") + "/llm_fixtures";
}
inline std::string Fixture(const std::string& name) { return FixtureDir() + "/" + name; }

// $RAGDB_SHARED_DATA, else ../shared/data beside the source tree.
inline std::string SharedData() {
  const char* d = std::getenv("RAGDB_SHARED_DATA");
  if (d && *d) return d;
  const char* s = std::getenv("RAGDB_SOURCE_DIR");
  return std::string(s ? s : ".") + "/../shared/data";
}

inline const nlohmann::json& Reference() {
  static const nlohmann::json j = [] {
    auto text = ReadFile(Fixture("reference.json"));
    return text.ok() ? nlohmann::json::parse(*text) : nlohmann::json::object();
  }();
  return j;
}

}  // namespace ragdb::model::llm::testing
