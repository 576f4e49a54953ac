#include <cctype>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <limits>

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

Result<size_t> ParseByteSize(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(text) +
                                   "' is not a size (bytes, or a number with K, M or G)");
  };
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return bad();
  uint64_t value = std::stoull(std::string(text.substr(0, digits)));
  std::string unit(text.substr(digits));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.ends_with("IB")) unit.erase(unit.size() - 2);
  if (unit.size() == 2 && unit[1] == 'B') unit.pop_back();
  int shift = 0;
  if (unit == "K") {
    shift = 10;
  } else if (unit == "M") {
    shift = 20;
  } else if (unit == "G") {
    shift = 30;
  } else if (!unit.empty() && unit != "B") {
    return bad();
  }
  if (value == 0) return Status::InvalidArgument(std::string(what) + " must be more than 0");
  if (value > (std::numeric_limits<size_t>::max() >> shift)) {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(text) + "' is too large");
  }
  return static_cast<size_t>(value << shift);
}

Result<std::unique_ptr<Database>> OpenDatabase(const Context& ctx) {
  DatabaseOptions options;
  // A command would wait for a rebuild thread at exit; `optimize` rebuilds instead.
  options.rebuild_indexes_in_background = false;
  options.memory_limit_bytes = ctx.memory_limit_bytes;
  options.read_only = ctx.read_only;
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
