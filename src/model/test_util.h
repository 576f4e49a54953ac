// Helpers shared by the model tests: fixture paths and the reference outputs.
#pragma once

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "base/file.h"

namespace ragdb::model::testing {

inline std::string SourceDir() {
  const char* d = std::getenv("RAGDB_SOURCE_DIR");
  return d ? d : ".";
}
inline std::string FixtureDir(const std::string& name) {
  return SourceDir() + "/tests/fixtures/models/" + name;
}
inline const nlohmann::json& Reference() {
  static const nlohmann::json j = [] {
    auto text = ReadFile(FixtureDir("reference.json"));
    return text.ok() ? nlohmann::json::parse(*text) : nlohmann::json::object();
  }();
  return j;
}

}  // namespace ragdb::model::testing
