// Shared pieces of the `ragdb` command line: the context every command gets, and the one place
// where a Status becomes an error line and an exit code.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/json_text.h"  // FloatJson
#include "cli/args.h"
#include "ragdb/database.h"
#include "ragdb/filter.h"
#include "ragdb/json.h"

namespace ragdb::cli {

// Exit codes: 0 success, 1 an operation failed (not found, corruption, I/O...), 2 usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Context {
  std::string data_dir;           // --data, or $RAGDB_DATA, or ./ragdb-data
  size_t memory_limit_bytes = 0;  // --memory-limit (frugal mode); 0 = none
  bool read_only = false;         // --read-only
};

using CommandFn = int (*)(const Context& ctx, const std::vector<std::string>& args);

// Prints "ragdb: <message>" on stderr; returns kExitUsage for InvalidArgument raised by argument
// parsing (usage = true), kExitFailure otherwise. Usage errors end with a pointer to the
// command's --help.
int Fail(const Status& status, bool usage = false);
// The command being run (set by main), named in the --help pointer of usage errors.
void SetCommandForHints(const std::string& command);
// "512M", "2G", "65536": bytes, with an optional K, M or G suffix (powers of 1024; "KiB", "MB"...
// are read the same way). InvalidArgument naming `what` otherwise.
Result<size_t> ParseByteSize(std::string_view text, std::string_view what);
// Opens the database at ctx.data_dir, printing recovery notes on stderr.
Result<std::unique_ptr<Database>> OpenDatabase(const Context& ctx);
// InvalidArgument naming the first of `flags` that was given: "--ef does not apply to
// <what>" — for options that the chosen form of a command would otherwise ignore.
Status RejectFlags(const Args& a, std::initializer_list<const char*> flags, std::string_view what);
// A filter given on the command line: the expression form, or the JSON form when it starts
// with '{'.
Result<Filter> ParseFilterArg(const std::string& text);
// Prints one JSON value on its own line on stdout.
void PrintJson(const Json& j);

int CmdCreate(const Context& ctx, const std::vector<std::string>& args);
int CmdList(const Context& ctx, const std::vector<std::string>& args);
int CmdDescribe(const Context& ctx, const std::vector<std::string>& args);
int CmdDrop(const Context& ctx, const std::vector<std::string>& args);
int CmdOptimize(const Context& ctx, const std::vector<std::string>& args);
int CmdCheck(const Context& ctx, const std::vector<std::string>& args);
int CmdUpsert(const Context& ctx, const std::vector<std::string>& args);
int CmdImport(const Context& ctx, const std::vector<std::string>& args);
int CmdGet(const Context& ctx, const std::vector<std::string>& args);
int CmdDelete(const Context& ctx, const std::vector<std::string>& args);
int CmdCount(const Context& ctx, const std::vector<std::string>& args);
int CmdScroll(const Context& ctx, const std::vector<std::string>& args);
int CmdSearch(const Context& ctx, const std::vector<std::string>& args);
// --near-text needs an embedder on `field`; the error names the flag that would give it one.
Status CheckNearText(const CollectionSchema& schema, const std::string& collection,
                     const std::string& field);
// `search` with --text / --sparse / --queries-text / --fusion / --group-by
// (commands_text_search.cc).
int TextSearch(const Context& ctx, const Args& args);
// `eval --beir DIR`: BM25 quality of the collection text path (commands_eval.cc).
int CmdEval(const Context& ctx, const std::vector<std::string>& args);
// Knowledge bases and the RAG pipeline (commands_rag.cc, commands_mcp.cc; docs/rag.md).
int CmdKb(const Context& ctx, const std::vector<std::string>& args);
int CmdIngest(const Context& ctx, const std::vector<std::string>& args);
int CmdRetrieve(const Context& ctx, const std::vector<std::string>& args);
int CmdAsk(const Context& ctx, const std::vector<std::string>& args);
int CmdEvalKb(const Context& ctx, const std::vector<std::string>& args);
int CmdMcp(const Context& ctx, const std::vector<std::string>& args);

}  // namespace ragdb::cli
