#include <charconv>
#include <cstdlib>
#include <iostream>

#include "base/json_text.h"
#include "base/log.h"
#include "cli/cli.h"

namespace ragdb::cli {

namespace {
std::string& CommandForHints() {
  static std::string name;
  return name;
}
}  // namespace

void SetCommandForHints(const std::string& command) { CommandForHints() = command; }

int Fail(const Status& status, bool usage) {
  const bool usage_error = usage && status.code() == StatusCode::kInvalidArgument;
  std::string line = "ragdb: " + status.message();
  // Usage errors point at the command's help, unless the message already says what to run.
  if (usage_error && !CommandForHints().empty() && line.find("`ragdb ") == std::string::npos) {
    line += " (see `ragdb " + CommandForHints() + " --help`)";
  }
  std::cerr << line << "\n";
  return usage_error ? kExitUsage : kExitFailure;
}

Result<std::unique_ptr<Database>> OpenDatabase(const Context& ctx) {
  DatabaseOptions options;
  // A command would wait for a rebuild thread at exit; `optimize` rebuilds instead.
  options.rebuild_indexes_in_background = false;
  RAGDB_ASSIGN_OR_RETURN(auto db, Database::Open(ctx.data_dir, options));
  for (const auto& note : db->RecoveryNotes())
    log::Warn("db.recovery", note, {{"data", ctx.data_dir}});
  return db;
}

Status RejectFlags(const Args& a, std::initializer_list<const char*> flags, std::string_view what) {
  for (const char* f : flags) {
    if (a.Has(f)) {
      return Status::InvalidArgument("--" + std::string(f) + " does not apply to " +
                                     std::string(what));
    }
  }
  return Status::Ok();
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

void PrintJson(const Json& j) { std::cout << WriteJson(j) << "\n"; }

}  // namespace ragdb::cli
