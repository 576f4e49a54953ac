// The `ragdb` binary: global options, then one command.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "base/cpu.h"
#include "base/log.h"
#include "cli/cli.h"
#include "cli/help.h"
#include "model/cli_commands.h"
#if RAGDB_CLI_WITH_SERVER
#include "cluster/cli_commands.h"
#include "server/serve_command.h"
#endif

namespace ragdb::cli {
namespace {

// Commands implemented in other layers, adapted to the table's signature.
#if RAGDB_CLI_WITH_SERVER
int CmdServe(const Context& ctx, const std::vector<std::string>& args) {
  return server::RunServeCommand(ctx.data_dir, args);
}
int CmdCluster(const Context&, const std::vector<std::string>& args) {
  return cluster::RunClusterCommand(args);
}
#endif
int CmdEmbed(const Context&, const std::vector<std::string>& args) { return RunEmbedCommand(args); }
int CmdRerank(const Context&, const std::vector<std::string>& args) {
  return RunRerankCommand(args);
}
int CmdModel(const Context&, const std::vector<std::string>& args) { return RunModelCommand(args); }
int CmdGenerate(const Context&, const std::vector<std::string>& args) {
  return RunGenerateCommand(args);
}

struct Command {
  const char* name;
  CommandFn fn;
  // Synopsis: one form per line, starting with the command's name; a line that does not start
  // with it continues the form above (long forms wrap). Every
  // flag belongs here (`ragdb --help` is built from these); descriptions and examples are in
  // help_text.cc.
  const char* usage;
};

const Command kCommands[] = {
    {"create", CmdCreate,
     "create NAME --dim D [--metric cosine|l2|ip|hamming] [--index flat|hnsw|ivf_flat|ivf_pq]\n"
     "[--m 16] [--ef-construction 200] [--nlist N] [--pq-m M] [--quantization none|sq8|binary|pq]\n"
     "[--datatype float32|float16|int8|uint8|binary] [--vector NAME:DIM[:METRIC]]...\n"
     "[--text [--analyzer standard]] [--embedder MODEL] [--sparse NAME]...\n"
     "[--multi NAME:DIM[:METRIC][:INDEX][:colbert:MODEL]]...\n"
     "[--payload-index PATH:TYPE]..."},
    {"list", CmdList, "list"},
    {"describe", CmdDescribe, "describe NAME"},
    {"drop", CmdDrop, "drop NAME"},
    {"upsert", CmdUpsert, "upsert NAME [FILE]"},
    {"import", CmdImport, "import NAME --fvecs FILE [--field NAME] [--first-id N]"},
    {"get", CmdGet, "get NAME ID"},
    {"delete", CmdDelete, "delete NAME (--ids 1,2,3 | --filter EXPR)"},
    {"count", CmdCount, "count NAME [--filter EXPR]"},
    {"scroll", CmdScroll, "scroll NAME [--limit N] [--offset ID] [--filter EXPR] [--with-vector]"},
    {"search", CmdSearch,
     "search NAME --vector '[..]' [--k 10] [--offset N] [--filter EXPR] [--using FIELD]\n"
     "[--ef N] [--nprobe N] [--exact] [--score-threshold S] [--with-vector] [--no-payload]\n"
     "search NAME (--near-text TEXT | --near-image FILE) [--k 10] [--filter EXPR] [--using FIELD]\n"
     "search NAME --text \"query\" [--k 10] [--filter EXPR] [--phrase | --all-terms]\n"
     "search NAME --sparse '{\"indices\":[..],\"values\":[..]}' [--using NAME]\n"
     "search NAME --text \"q\" --vector '[..]' [--sparse ..] --fusion rrf|weighted\n"
     "[--weights 0.3,0.7] [--rrf-k 60] [--normalization minmax|dbsf]\n"
     "[--group-by PATH [--group-size 1]] [--prefetch-limit N] [--offset N]\n"
     "search NAME --queries FILE.fvecs --k K [--threads T] --out FILE.ivecs [--filter EXPR]\n"
     "search NAME --queries-text FILE.tsv --k K [--threads T] --out RUN.tsv"},
    {"optimize", CmdOptimize, "optimize NAME"},
    {"check", CmdCheck, "check"},
#if RAGDB_CLI_WITH_SERVER  // not in the edge build (CMakePresets.json)
    {"serve", CmdServe,
     "serve [--host 127.0.0.1] [--port 6333] [--config FILE] [--admin-key K]\n"
     "[--llm-config FILE] [--llm local:NAME] [--check]\n"
     "serve --cluster --etcd URL[,URL..] --object-store URL --node-id NAME\n"
     "--advertise http://HOST:PORT --port P --data CACHE_DIR [--lease-ttl SECONDS]"},
    {"cluster", CmdCluster, "cluster status --etcd URL[,URL..]"},
#endif
    {"embed", CmdEmbed,
     "embed --model MODEL|DIR|hash[:DIM]|clip:MODEL [--pooling mean|cls|last] [--normalize]\n"
     "[--quantize none|int8] [--image FILE]... TEXT..."},
    {"rerank", CmdRerank, "rerank --model MODEL|DIR --query Q [--quantize none|int8] DOC..."},
    {"model", CmdModel, "model pull NAME [--file FILE.gguf]...\nmodel add NAME PATH\nmodel list"},
    {"generate", CmdGenerate,
     "generate --model NAME|FILE.gguf|DIR [--system S] [--chat] [--temperature 0.8]\n"
     "[--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--seed N] [--max-tokens N]\n"
     "[--stop S]... [--context N] [--threads T] [--draft MODEL [--draft-tokens N]] [--stats]\n"
     "\"prompt\""},
    {"eval", CmdEval,
     "eval --beir DIR [--k1 1.2] [--b 0.75] [--analyzer standard] [--stemmer english]\n"
     "[--stopwords] [--preset anserini] [--threads T] [--seal-rows 1000]"},
#if RAGDB_CLI_WITH_RAG  // not in the edge build
    {"kb", CmdKb,
     "kb list\n"
     "kb create NAME [--chunk-size 400] [--overlap 60] [--mode recursive|parent-child]\n"
     "[--parent-size 1600] [--embedder auto|MODEL|hash] [--image-embedder clip:MODEL]\n"
     "[--sparse-embedder splade:MODEL|bge-m3-sparse:MODEL]\n"
     "kb describe NAME [--documents]\n"
     "kb drop NAME"},
    {"ingest", CmdIngest,
     "ingest KB PATH... [--sync] [--chunk-size 400] [--overlap 60]\n"
     "[--mode recursive|parent-child] [--parent-size 1600] [--embedder auto|MODEL|hash]\n"
     "[--image-embedder clip:MODEL] [--sparse-embedder splade:MODEL|bge-m3-sparse:MODEL]\n"
     "[--ocr auto|always|never] [--ocr-lang eng+chi_sim]\n"
     "[--id-field F] [--title-field F] [--text-field F] [--whole-file] [--quiet]"},
    {"retrieve", CmdRetrieve,
     "retrieve KB \"query\" [--k 5] [--filter EXPR] [--reranker MODEL]\n"
     "[--max-chunks-per-doc 3] [--budget 3000] [--candidates N] [--no-merge] [--no-images]\n"
     "[--thumbnails] [--full]"},
    {"ask", CmdAsk,
     "ask KB \"question\" [--k 5] [--filter EXPR] [--stream] [--llm-config FILE] [--no-llm]\n"
     "[--llm local:NAME] [--reranker MODEL] [--max-chunks-per-doc 3] [--budget 3000]\n"
     "[--candidates N] [--no-merge] [--no-images] [--timings]"},
    {"eval-kb", CmdEvalKb,
     "eval-kb KB FILE.jsonl [--k 5] [--details] [--filter EXPR] [--reranker MODEL]\n"
     "[--max-chunks-per-doc 3] [--budget 3000] [--candidates N] [--no-merge]"},
    {"mcp", CmdMcp,
     "mcp [--llm-config FILE] [--no-llm] [--embedder MODEL] [--k 5] [--reranker MODEL]"},
#endif
};

const Command* FindCommand(std::string_view name) {
  for (const auto& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// The first sentence of a command's help summary, for the command list.
std::string OneLineSummary(std::string_view name) {
  const CommandHelp* h = FindCommandHelp(name);
  if (h == nullptr) return "";
  std::string s = h->summary;
  for (char& c : s) c = c == '\n' ? ' ' : c;
  size_t dot = s.find(". ");
  return dot == std::string::npos ? s : s.substr(0, dot + 1);
}

std::string TopLevelHelp() {
  std::string out =
      "ragdb: an AI database. Vectors, BM25 text, filters, knowledge bases with cited answers\n"
      "and a Qdrant-compatible HTTP server, in one binary.\n\n"
      "usage: ragdb [--data DIR] [--log-level LEVEL] [--memory-limit SIZE] [--read-only]\n"
      "             COMMAND [ARGS]\n"
      "       ragdb COMMAND --help      usage, options and examples of one command\n\n"
      "global options (before or after the command):\n"
      "  --data DIR          data folder (else $RAGDB_DATA, else ./ragdb-data)\n"
      "  --log-level LEVEL   error, warn, info (default) or debug (else $RAGDB_LOG); warn hides\n"
      "                      progress bars and summaries\n"
      "  --memory-limit SIZE frugal mode: keep searches under SIZE resident (512M, 2G; "
      "docs/edge.md)\n"
      "  --read-only         open the data folder without writing to it (writes are refused)\n"
      "  --version           print the version and the distance kernels in use\n"
      "  --help, -h          this help\n\n"
      "commands:\n";
  for (const auto& c : kCommands) {
    std::string usage = c.usage;
    size_t start = 0;
    while (start < usage.size()) {
      size_t end = usage.find('\n', start);
      if (end == std::string::npos) end = usage.size();
      std::string line = usage.substr(start, end - start);
      out += (StartsForm(line, c.name) ? "  " : "        ") + line + "\n";
      start = end + 1;
    }
    std::string summary = OneLineSummary(c.name);
    if (!summary.empty()) out += "      " + summary + "\n";
  }
  out +=
      "\nResults are JSON on stdout. Errors are one line on stderr (exit 1 = the operation\n"
      "failed, 2 = usage); logs are one structured line per event on stderr.\n\n"
      "environment:\n"
      "  RAGDB_DATA           default data folder\n"
      "  RAGDB_LOG            default log level\n"
      "  RAGDB_MODEL_CACHE    model cache (default ~/.cache/ragdb/models)\n"
      "  RAGDB_HF_ENDPOINT    model hub (default https://huggingface.co)\n"
      "  RAGDB_LLM_BASE_URL, RAGDB_LLM_MODEL, RAGDB_LLM_API_KEY   LLM for `ask` (docs/rag.md)\n"
      "  RAGDB_RERANKER       default reranker of retrieve / ask\n"
      "  RAGDB_ADMIN_KEY      admin key of `serve`\n"
      "  RAGDB_SIMD=scalar    force the scalar distance kernels\n\n"
      "docs: README.md and docs/*.md\n";
  return out;
}

std::vector<std::string> CommandNames() {
  std::vector<std::string> names;
  for (const auto& c : kCommands) names.push_back(c.name);
  return names;
}

// --data / --log-level / --memory-limit as "--flag VALUE" or "--flag=VALUE" at argv[*i] (and
// --read-only); advances *i past the value. Returns false when argv[*i] is not a global option.
Result<bool> TakeGlobalOption(const std::vector<std::string>& argv, size_t* i, Context* ctx) {
  const std::string& arg = argv[*i];
  if (arg == "--read-only") {
    ctx->read_only = true;
    return true;
  }
  for (const char* flag : {"--data", "--log-level", "--memory-limit"}) {
    std::string name = flag;
    std::string value;
    if (arg == name) {
      if (*i + 1 >= argv.size()) {
        return Status::InvalidArgument(name + (name == "--data"        ? " needs a folder"
                                               : name == "--log-level" ? " needs a level"
                                                                       : " needs a size"));
      }
      value = argv[++*i];
    } else if (arg.starts_with(name + "=")) {
      value = arg.substr(name.size() + 1);
    } else {
      continue;
    }
    if (name == "--data") {
      ctx->data_dir = value;
    } else if (name == "--memory-limit") {
      RAGDB_ASSIGN_OR_RETURN(ctx->memory_limit_bytes, ParseByteSize(value, "--memory-limit"));
    } else {
      RAGDB_ASSIGN_OR_RETURN(log::Level level, log::ParseLevel(value));
      log::SetLevel(level);
    }
    return true;
  }
  return false;
}

int Main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  Context ctx;
  const char* env = std::getenv("RAGDB_DATA");
  ctx.data_dir = env != nullptr && *env != '\0' ? env : "ragdb-data";
  if (Status s = log::InitFromEnv(); !s.ok()) return Fail(s, true);

  std::vector<std::string> all(argv + 1, argv + argc);
  size_t i = 0;
  for (; i < all.size(); ++i) {
    auto taken = TakeGlobalOption(all, &i, &ctx);
    if (!taken.ok()) return Fail(taken.status(), true);
    if (*taken) continue;
    const std::string& arg = all[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << TopLevelHelp();
      return kExitOk;
    }
    if (arg == "--version") {
      // The kernel set in use, so that users (and the aarch64 test under qemu) can see which
      // distance kernels run here and that RAGDB_SIMD=scalar took effect.
      std::cout << "ragdb 0.1.0 (distance kernels: " << SimdLevelName(ActiveSimdLevel()) << ")\n";
      return kExitOk;
    }
    if (arg.starts_with("-")) {
      return Fail(Status::InvalidArgument("unknown global option " + arg +
                                          " (run `ragdb --help` for the options)"),
                  true);
    }
    break;
  }
  if (i >= all.size()) {
    std::cerr << TopLevelHelp();
    return kExitUsage;
  }
  std::string name = all[i];
  // `ragdb help [COMMAND [SUBCOMMAND]]` is `ragdb [COMMAND [SUBCOMMAND]] --help`.
  bool help = false;
  if (name == "help") {
    if (i + 1 >= all.size()) {
      std::cout << TopLevelHelp();
      return kExitOk;
    }
    help = true;
    name = all[++i];
  }
  const Command* command = FindCommand(name);
  if (command == nullptr) {
    std::string hint = ClosestMatch(name, CommandNames());
    return Fail(Status::InvalidArgument("unknown command '" + name + "'" +
                                        (hint.empty() ? "" : "; did you mean '" + hint + "'?") +
                                        " (run `ragdb --help` for the commands)"),
                true);
  }
  // The command's own arguments; global options may also come after the command name, and
  // --help anywhere (before a "--") asks for the command's help instead of running it.
  std::vector<std::string> args;
  for (size_t j = i + 1; j < all.size(); ++j) {
    if (all[j] == "--") {
      args.insert(args.end(), all.begin() + static_cast<std::ptrdiff_t>(j), all.end());
      break;
    }
    auto taken = TakeGlobalOption(all, &j, &ctx);
    if (!taken.ok()) return Fail(taken.status(), true);
    if (*taken) continue;
    if (all[j] == "--help" || all[j] == "-h") {
      help = true;
      continue;
    }
    args.push_back(all[j]);
  }
  if (help) {
    // Subcommand help ("kb create", "model pull") when there is an entry for it.
    std::string topic = name;
    if (!args.empty() && FindCommandHelp(name + " " + args[0]) != nullptr) {
      topic = name + " " + args[0];
    }
    std::cout << RenderCommandHelp(topic, command->usage);
    return kExitOk;
  }
  SetCommandForHints(name);
  int rc = command->fn(ctx, args);
  std::cout.flush();
  return rc;
}

}  // namespace
}  // namespace ragdb::cli

int main(int argc, char** argv) { return ragdb::cli::Main(argc, argv); }
