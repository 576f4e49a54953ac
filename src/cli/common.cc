#include <charconv>
#include <cstdlib>
#include <iostream>

#include "base/json_text.h"
#include "cli/cli.h"

namespace ragdb::cli {

int Fail(const Status& status, bool usage) {
  std::cerr << "ragdb: " << status.message() << "\n";
  if (usage && status.code() == StatusCode::kInvalidArgument) return kExitUsage;
  return kExitFailure;
}

Result<std::unique_ptr<Database>> OpenDatabase(const Context& ctx) {
  DatabaseOptions options;
  // A command would wait for a rebuild thread at exit; `optimize` rebuilds instead.
  options.rebuild_indexes_in_background = false;
  RAGDB_ASSIGN_OR_RETURN(auto db, Database::Open(ctx.data_dir, options));
  for (const auto& note : db->RecoveryNotes()) std::cerr << "ragdb: recovery: " << note << "\n";
  return db;
}

Result<Filter> ParseFilterArg(const std::string& text) {
  size_t first = text.find_first_not_of(" \t\n");
  if (first != std::string::npos && text[first] == '{') {
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::InvalidArgument("--filter: malformed JSON");
    auto f = Filter::FromJson(j);
    if (!f.ok()) return f.status().WithContext("--filter");
    return f;
  }
  auto f = Filter::Parse(text);
  if (!f.ok()) return f.status().WithContext("--filter");
  return f;
}

Json FloatJson(float x) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);  // shortest form that round-trips
  *end = '\0';
  return std::strtod(buf, nullptr);
}

void PrintJson(const Json& j) { std::cout << WriteJson(j) << "\n"; }

}  // namespace ragdb::cli
