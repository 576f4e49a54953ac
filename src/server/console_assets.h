// The web console's files (web/ in the source tree), compiled into the binary by CMake
// (embed_files.cmake writes console_assets.cc in the build folder).
#pragma once

#include <span>
#include <string_view>

namespace ragdb::server {

struct ConsoleAsset {
  std::string_view name;   // file name in web/, e.g. "app.js"
  std::string_view bytes;  // its contents
};

std::span<const ConsoleAsset> ConsoleAssets();

}  // namespace ragdb::server
