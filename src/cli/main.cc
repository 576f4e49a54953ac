// The `ragdb` binary: global options, then one command.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"
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
  const char* usage;
};

const Command kCommands[] = {
    {"create", CmdCreate,
     "create NAME --dim D [--metric cosine|l2|ip|hamming] [--index flat|hnsw|ivf_flat|ivf_pq]\n"
     "         [--datatype float32|float16|int8|uint8|binary] [--vector NAME:DIM[:METRIC]]...\n"
     "         [--text [--analyzer standard]] [--sparse NAME]... [--payload-index PATH:TYPE]..."},
    {"list", CmdList, "list"},
    {"describe", CmdDescribe, "describe NAME"},
    {"drop", CmdDrop, "drop NAME"},
    {"upsert", CmdUpsert, "upsert NAME [FILE]        JSON Lines from FILE or stdin"},
    {"import", CmdImport, "import NAME --fvecs FILE [--field NAME] [--first-id N]"},
    {"get", CmdGet, "get NAME ID"},
    {"delete", CmdDelete, "delete NAME (--ids 1,2,3 | --filter EXPR)"},
    {"count", CmdCount, "count NAME [--filter EXPR]"},
    {"scroll", CmdScroll, "scroll NAME [--limit N] [--offset ID] [--filter EXPR] [--with-vector]"},
    {"search", CmdSearch,
     "search NAME --vector '[..]' [--k 10] [--filter EXPR] [--using FIELD] [--with-vector]\n"
     "  search NAME --queries FILE.fvecs --k K [--threads T] --out FILE.ivecs [--filter EXPR]\n"
     "  search NAME --text \"query\" [--k 10] [--filter EXPR] [--phrase | --all-terms]\n"
     "  search NAME --sparse '{\"indices\":[..],\"values\":[..]}' [--using NAME]\n"
     "  search NAME --text \"q\" --vector '[..]' [--sparse ..] --fusion rrf|weighted\n"
     "         [--weights 0.3,0.7] [--rrf-k 60] [--normalization minmax|dbsf]\n"
     "         [--group-by PATH [--group-size 1]] [--prefetch-limit N] [--offset N]\n"
     "  search NAME --queries-text FILE.tsv --k K [--threads T] --out RUN.tsv\n"
     "  search NAME (--near-text TEXT | --near-image FILE) [--using FIELD]   via its embedder"},
    {"optimize", CmdOptimize, "optimize NAME             seal, merge segments, build indexes"},
    {"check", CmdCheck, "check                     verify every checksum and structure"},
#if RAGDB_CLI_WITH_SERVER  // not in the edge build (CMakePresets.json)
    {"serve", CmdServe,
     "serve [--host 127.0.0.1] [--port 6333] [--config FILE] [--admin-key K]   HTTP API\n"
     "  serve --cluster --etcd URL[,URL..] --object-store URL --node-id NAME\n"
     "        --advertise http://HOST:PORT --port P --data CACHE_DIR [--lease-ttl SECONDS]"},
    {"cluster", CmdCluster,
     "cluster status --etcd URL[,URL..]   nodes, collections and shards as etcd holds them"},
#endif
    {"embed", CmdEmbed, "embed --model DIR|hash [--pooling mean|cls] [--normalize] TEXT..."},
    {"rerank", CmdRerank, "rerank --model DIR --query Q DOC..."},
    {"model", CmdModel,
     "model pull NAME [--file NAME.gguf] | model add NAME PATH | model list   the model cache"},
    {"generate", CmdGenerate,
     "generate --model NAME|FILE.gguf|DIR [--temperature T] [--max-tokens N] \"prompt\"\n"
     "         local LLM text, streamed (docs/llm.md)"},
    {"eval", CmdEval,
     "eval --beir DIR [--k1 1.2] [--b 0.75] [--analyzer standard] [--stemmer english]\n"
     "         [--stopwords] [--preset anserini] [--threads T]   BM25 nDCG@10 / Recall@100 / "
     "MRR@10"},
#if RAGDB_CLI_WITH_RAG  // not in the edge build
    {"kb", CmdKb,
     "kb list | kb create NAME [--chunk-size N --overlap N --mode M --embedder E] |\n"
     "         kb describe NAME [--documents] | kb drop NAME        knowledge bases (docs/rag.md)"},
    {"ingest", CmdIngest,
     "ingest KB PATH... [--sync] [--chunk-size 400] [--overlap 60] [--mode "
     "recursive|parent-child]\n"
     "         [--embedder hash|DIR] [--image-embedder clip:MODEL] [--ocr auto|always|never]\n"
     "         [--ocr-lang eng+chi_sim]   files/folders (txt md html pdf docx csv json xlsx pptx\n"
     "         png jpg webp tiff) into KB"},
    {"retrieve", CmdRetrieve,
     "retrieve KB \"query\" [--k 5] [--filter EXPR] [--reranker DIR]   chunks as JSON Lines"},
    {"ask", CmdAsk,
     "ask KB \"question\" [--k 5] [--filter EXPR] [--stream] [--llm-config FILE] [--no-llm]\n"
     "         [--llm local:NAME]   answer with citations (LLM from RAGDB_LLM_* or DATA/llm.json, "
     "else extractive)"},
    {"eval-kb", CmdEvalKb, "eval-kb KB FILE.jsonl [--k 5] [--details]   hit rate@k and MRR"},
    {"mcp", CmdMcp, "mcp [--llm-config FILE] [--no-llm]   MCP server (JSON-RPC) on stdio"},
#endif
};

void PrintUsage() {
  std::cerr << "usage: ragdb [--data DIR] COMMAND [ARGS]\n\n"
               "The data folder is --data DIR, else $RAGDB_DATA, else ./ragdb-data.\n\n"
               "commands:\n";
  for (const auto& c : kCommands) std::cerr << "  " << c.usage << "\n";
}

}  // namespace
}  // namespace ragdb::cli

int main(int argc, char** argv) {
  using namespace ragdb::cli;
  std::ios::sync_with_stdio(false);
  Context ctx;
  const char* env = std::getenv("RAGDB_DATA");
  ctx.data_dir = env != nullptr && *env != '\0' ? env : "ragdb-data";
  int i = 1;
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--data") {
      if (i + 1 >= argc) return Fail(ragdb::Status::InvalidArgument("--data needs a folder"), true);
      ctx.data_dir = argv[++i];
    } else if (arg.rfind("--data=", 0) == 0) {
      ctx.data_dir = arg.substr(7);
    } else if (arg == "--help" || arg == "-h" || arg == "help") {
      PrintUsage();
      return kExitOk;
    } else if (arg == "--version") {
      std::cout << "ragdb 0.1.0\n";
      return kExitOk;
    } else {
      break;
    }
  }
  if (i >= argc) {
    PrintUsage();
    return kExitUsage;
  }
  std::string name = argv[i];
  std::vector<std::string> args(argv + i + 1, argv + argc);
  for (const auto& c : kCommands) {
    if (name == c.name) {
      int rc = c.fn(ctx, args);
      std::cout.flush();
      return rc;
    }
  }
  std::cerr << "ragdb: unknown command '" << name << "'\n";
  PrintUsage();
  return kExitUsage;
}
