// Help texts of the `ragdb` command line: `ragdb --help` (every command's synopsis) and
// `ragdb COMMAND [SUBCOMMAND] --help` (usage, what it does, every flag, examples).
//
// main.cc answers --help for every command before running it, so a command needs no code of its
// own for that: its synopsis comes from the command table (kCommands in main.cc), and the rest
// from the entry of the same name in help_text.cc (a command without one prints its synopsis
// only). Subcommands have their own entries ("kb create", "model pull") with their own usage.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ragdb::cli {

struct FlagHelp {
  const char* flag;  // "--k N", "--with-vector"
  const char* text;  // what it does, with its default
};

struct CommandHelp {
  const char* name;  // "search", "kb create"
  // Subcommands only, without "ragdb": "kb create NAME [options]". nullptr for commands, whose
  // synopsis is the command table's.
  const char* usage;
  const char* summary;  // what the command does, one or more sentences
  std::vector<FlagHelp> flags;
  const char* examples;  // shell lines, one per line, runnable as written where possible
};

// The entry for "name" ("kb create"), or nullptr.
const CommandHelp* FindCommandHelp(std::string_view name);
// Every entry, in the order help_text.cc lists them.
const std::vector<CommandHelp>& AllCommandHelp();

// Whether a usage line starts a form of `command` ("search NAME ..." for "search"); other lines
// continue the form above them.
bool StartsForm(std::string_view line, std::string_view command);

// The text of `ragdb NAME --help`. `synopsis`: the command table's usage lines of the command
// (one form per line, each starting with the command's name; other lines continue a form).
std::string RenderCommandHelp(std::string_view name, std::string_view synopsis);

// The closest of `candidates` to `word` when it is near enough to be a likely typo ("serach" ->
// "search"), else "".
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace ragdb::cli
