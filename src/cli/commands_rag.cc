// Knowledge-base commands: kb (list/create/describe/drop), ingest, retrieve, ask, eval-kb.
#include <iostream>
#include <optional>

#include "base/file.h"
#include "base/log.h"
#include "base/progress.h"
#include "cli/cli.h"
#include "ragdb/rag.h"

namespace ragdb::cli {
namespace {

using rag::KbOptions;
using rag::KnowledgeBase;

const FlagSpec kKbOptionFlags = {{"chunk-size", "overlap", "mode", "embedder", "parent-size",
                                  "image-embedder", "sparse-embedder"},
                                 {},
                                 {}};

FlagSpec WithKbOptions(FlagSpec spec) {
  spec.with_value.insert(kKbOptionFlags.with_value.begin(), kKbOptionFlags.with_value.end());
  return spec;
}

// KB options from flags; `given` says whether any was set explicitly.
Result<KbOptions> KbOptionsFromArgs(const Args& a, bool* given) {
  KbOptions o;
  *given = false;
  for (const auto& f : kKbOptionFlags.with_value) *given = *given || a.Has(f);
  RAGDB_ASSIGN_OR_RETURN(o.chunk_size, a.GetUint("chunk-size", o.chunk_size));
  RAGDB_ASSIGN_OR_RETURN(o.overlap, a.GetUint("overlap", o.overlap));
  RAGDB_ASSIGN_OR_RETURN(o.parent_size, a.GetUint("parent-size", o.parent_size));
  o.mode = a.GetOr("mode", o.mode);
  o.embedder = a.GetOr("embedder", o.embedder);
  o.image_embedder = a.GetOr("image-embedder", o.image_embedder);
  o.sparse_embedder = a.GetOr("sparse-embedder", o.sparse_embedder);
  if (a.Has("parent-size") && o.mode != "parent-child") {
    return Status::InvalidArgument("--parent-size applies to --mode parent-child");
  }
  // A smaller chunk size without an explicit overlap: keep the default ~15% ratio valid.
  if (a.Has("chunk-size") && !a.Has("overlap"))
    o.overlap = std::min(o.overlap, o.chunk_size * 15 / 100);
  return o;
}

// Options given on the command line for an existing KB must match the stored ones: chunks of one
// knowledge base are only comparable when they were cut and embedded the same way.
Status CheckSameOptions(const KnowledgeBase& kb, const Args& a, const KbOptions& wanted) {
  const KbOptions& have = kb.options();
  auto differs = [&](const char* flag, const std::string& want, const std::string& got) -> Status {
    if (a.Has(flag) && want != got) {
      return Status::InvalidArgument("knowledge base '" + kb.name() + "' was created with --" +
                                     flag + " " + got +
                                     "; drop it to change that, or leave the "
                                     "option out");
    }
    return Status::Ok();
  };
  RAGDB_RETURN_IF_ERROR(
      differs("chunk-size", std::to_string(wanted.chunk_size), std::to_string(have.chunk_size)));
  RAGDB_RETURN_IF_ERROR(
      differs("overlap", std::to_string(wanted.overlap), std::to_string(have.overlap)));
  RAGDB_RETURN_IF_ERROR(differs("mode", wanted.mode, have.mode));
  RAGDB_RETURN_IF_ERROR(
      differs("parent-size", std::to_string(wanted.parent_size), std::to_string(have.parent_size)));
  // "auto" was resolved when the KB was created; it matches whatever was chosen then.
  if (wanted.embedder != kAutoEmbedder) {
    RAGDB_RETURN_IF_ERROR(differs("embedder", wanted.embedder, have.embedder));
  }
  RAGDB_RETURN_IF_ERROR(differs("image-embedder", wanted.image_embedder, have.image_embedder));
  RAGDB_RETURN_IF_ERROR(differs("sparse-embedder", wanted.sparse_embedder, have.sparse_embedder));
  return Status::Ok();
}

Result<rag::RetrieveOptions> RetrieveOptionsFromArgs(const Args& a) {
  rag::RetrieveOptions o;
  RAGDB_ASSIGN_OR_RETURN(o.k, a.GetUint("k", o.k));
  RAGDB_ASSIGN_OR_RETURN(o.candidates, a.GetUint("candidates", 0));
  if (a.Has("max-chunks-per-doc") && a.Has("max-per-doc")) {
    return Status::InvalidArgument(
        "give --max-chunks-per-doc only (--max-per-doc is its old name)");
  }
  RAGDB_ASSIGN_OR_RETURN(
      o.max_per_document,
      a.GetUint(a.Has("max-per-doc") ? "max-per-doc" : "max-chunks-per-doc", o.max_per_document));
  RAGDB_ASSIGN_OR_RETURN(o.token_budget, a.GetUint("budget", o.token_budget));
  if (a.Has("filter")) {
    RAGDB_ASSIGN_OR_RETURN(o.filter, ParseFilterArg(*a.Get("filter")));
  }
  o.reranker = a.GetOr("reranker", "");
  if (o.reranker.empty()) {
    const char* env = std::getenv("RAGDB_RERANKER");
    if (env != nullptr) o.reranker = env;
  }
  if (a.Has("no-merge")) o.merge_neighbors = false;
  if (a.Has("no-images")) o.images = false;
  if (a.Has("thumbnails")) o.with_thumbnails = true;
  return o;
}

// --max-per-doc is the older spelling of --max-chunks-per-doc, still accepted.
const std::set<std::string> kRetrieveFlags = {
    "k", "filter", "reranker", "max-chunks-per-doc", "max-per-doc", "budget", "candidates"};

Result<std::unique_ptr<KnowledgeBase>> OpenKb(Database& db, const std::string& name) {
  return KnowledgeBase::Open(db, name);
}

int KbUsage() {
  return Fail(Status::InvalidArgument("usage: ragdb kb list | kb create NAME [options] | kb "
                                      "describe NAME [--documents] | kb drop NAME"),
              true);
}

}  // namespace

int CmdKb(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, WithKbOptions({{}, {"documents"}, {}}));
  if (!a.ok()) return Fail(a.status(), true);
  const auto& pos = a->positional();
  if (pos.empty()) return KbUsage();
  const std::string& sub = pos[0];
  if ((sub == "list" && pos.size() != 1) || (sub != "list" && pos.size() != 2)) return KbUsage();
  // Each subcommand takes its own options only.
  Status unused = Status::Ok();
  if (sub != "create") {
    unused = RejectFlags(*a,
                         {"chunk-size", "overlap", "mode", "embedder", "parent-size",
                          "image-embedder", "sparse-embedder"},
                         "kb " + sub + " (options are fixed by kb create)");
  }
  if (unused.ok() && sub != "describe") unused = RejectFlags(*a, {"documents"}, "kb " + sub);
  if (!unused.ok()) return Fail(unused, true);
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  if (sub == "list") {
    for (const auto& name : KnowledgeBase::List(**db)) {
      auto kb = OpenKb(**db, name);
      if (!kb.ok()) {
        PrintJson({{"name", name}, {"error", kb.status().message()}});
        continue;
      }
      auto info = (*kb)->Describe();
      if (!info.ok()) return Fail(info.status());
      PrintJson(info->ToJson());
    }
    return kExitOk;
  }
  const std::string& name = pos[1];
  if (sub == "create") {
    bool given = false;
    auto opts = KbOptionsFromArgs(*a, &given);
    if (!opts.ok()) return Fail(opts.status(), true);
    auto kb = KnowledgeBase::Create(**db, name, *opts);
    if (!kb.ok()) return Fail(kb.status(), kb.status().code() == StatusCode::kInvalidArgument);
    auto info = (*kb)->Describe();
    if (!info.ok()) return Fail(info.status());
    PrintJson(info->ToJson());
    return kExitOk;
  }
  if (sub == "describe") {
    auto kb = OpenKb(**db, name);
    if (!kb.ok()) return Fail(kb.status());
    auto info = (*kb)->Describe();
    if (!info.ok()) return Fail(info.status());
    Json j = info->ToJson();
    if (a->Has("documents")) {
      auto docs = (*kb)->ListDocuments();
      if (!docs.ok()) return Fail(docs.status());
      j["document_list"] = *docs;
    }
    PrintJson(j);
    return kExitOk;
  }
  if (sub == "drop") {
    Status st = KnowledgeBase::Drop(**db, name);
    if (!st.ok()) return Fail(st);
    PrintJson({{"dropped", name}});
    return kExitOk;
  }
  return KbUsage();
}

int CmdIngest(const Context& ctx, const std::vector<std::string>& argv) {
  auto a =
      Args::Parse(argv, WithKbOptions({{"id-field", "title-field", "text-field", "ocr", "ocr-lang"},
                                       {"sync", "quiet", "whole-file"},
                                       {}}));
  if (!a.ok()) return Fail(a.status(), true);
  if (a->positional().size() < 2) {
    return Fail(Status::InvalidArgument("usage: ragdb ingest KB PATH... [options]"), true);
  }
  if (a->Has("whole-file")) {
    for (const char* f : {"id-field", "title-field", "text-field"}) {
      if (a->Has(f)) {
        return Fail(Status::InvalidArgument(std::string("--") + f +
                                            " chooses a field of corpus records; --whole-file "
                                            "ingests files whole, without records"),
                    true);
      }
    }
  }
  rag::IngestOptions io;
  io.read.ocr = a->GetOr("ocr", io.read.ocr);
  io.read.ocr_languages = a->GetOr("ocr-lang", io.read.ocr_languages);
  if (io.read.ocr != "auto" && io.read.ocr != "always" && io.read.ocr != "never") {
    return Fail(
        Status::InvalidArgument("--ocr must be auto, always or never, not '" + io.read.ocr + "'"),
        true);
  }
  bool given = false;
  auto opts = KbOptionsFromArgs(*a, &given);
  if (!opts.ok()) return Fail(opts.status(), true);
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  const std::string& name = a->positional()[0];
  std::vector<std::string> paths(a->positional().begin() + 1, a->positional().end());
  auto kb = KnowledgeBase::Open(**db, name);
  if (!kb.ok() && kb.status().code() == StatusCode::kNotFound) {
    // A new KB: "auto" picks its embedder from the text about to be ingested.
    const std::string sample = opts->embedder == kAutoEmbedder ? rag::SampleText(paths) : "";
    kb = KnowledgeBase::Create(**db, name, *opts, sample);
  } else if (kb.ok() && given) {
    Status st = CheckSameOptions(**kb, *a, *opts);
    if (!st.ok()) return Fail(st, true);
  }
  if (!kb.ok()) return Fail(kb.status(), kb.status().code() == StatusCode::kInvalidArgument);
  io.sync = a->Has("sync");
  io.whole_file = a->Has("whole-file");
  io.id_field = a->GetOr("id-field", "");
  io.title_field = a->GetOr("title-field", "");
  io.text_field = a->GetOr("text-field", "");
  std::optional<Progress> progress;
  if (!a->Has("quiet")) {
    progress.emplace("ingest", Progress::Unit::kDocuments, 0);
    io.progress = [&progress](size_t done, size_t total, const std::string& path) {
      progress->SetTotal(total);
      progress->SetDetail(path);
      progress->Set(done);
    };
  }
  auto summary = (*kb)->IngestPaths(paths, io);
  if (!summary.ok()) return Fail(summary.status());
  for (const auto& s : summary->skipped_files) {
    log::Warn("ingest.skipped", "skipped " + s.source + ": " + s.reason,
              {{"kb", name}, {"source", s.source}});
  }
  if (progress) {
    progress->Finish(std::to_string(summary->added) + " added, " +
                     std::to_string(summary->updated) + " updated, " +
                     std::to_string(summary->unchanged) + " unchanged, " +
                     std::to_string(summary->skipped) + " skipped; " +
                     std::to_string(summary->chunks) + " chunks");
  }
  Json j = summary->ToJson();
  j["knowledge_base"] = name;
  PrintJson(j);
  return kExitOk;
}

int CmdRetrieve(const Context& ctx, const std::vector<std::string>& argv) {
  FlagSpec spec{kRetrieveFlags, {"no-merge", "full", "no-images", "thumbnails"}, {}};
  auto a = Args::Parse(argv, spec);
  if (!a.ok()) return Fail(a.status(), true);
  if (a->positional().size() != 2) {
    return Fail(Status::InvalidArgument(
                    "usage: ragdb retrieve KB \"query\" [--k 5] [--filter EXPR] [--reranker DIR] "
                    "[--max-per-doc 3] [--budget 3000] [--no-merge] [--no-images] "
                    "[--thumbnails] [--full]"),
                true);
  }
  auto ro = RetrieveOptionsFromArgs(*a);
  if (!ro.ok()) return Fail(ro.status(), true);
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  auto kb = OpenKb(**db, a->positional()[0]);
  if (!kb.ok()) return Fail(kb.status());
  auto items = (*kb)->Retrieve(a->positional()[1], *ro);
  if (!items.ok())
    return Fail(items.status(), items.status().code() == StatusCode::kInvalidArgument);
  for (const auto& it : *items) {
    if (a->Has("full")) {
      PrintJson(it.ToJson());
    } else {
      Json j = {{"chunk_id", it.chunk_id}, {"source", it.source},
                {"page", it.page},         {"heading_path", it.heading_path},
                {"score", it.score},       {"kind", it.kind},
                {"text", it.text}};
      if (!it.bbox.empty()) j["bbox"] = it.bbox;
      if (!it.table.is_null()) j["table"] = it.table;
      if (!it.image.is_null()) j["image"] = it.image;
      PrintJson(j);
    }
  }
  return kExitOk;
}

int CmdAsk(const Context& ctx, const std::vector<std::string>& argv) {
  FlagSpec spec{kRetrieveFlags, {"stream", "timings", "no-llm", "no-merge", "no-images"}, {}};
  spec.with_value.insert("llm-config");
  spec.with_value.insert("llm");
  auto a = Args::Parse(argv, spec);
  if (!a.ok()) return Fail(a.status(), true);
  if (a->positional().size() != 2) {
    return Fail(Status::InvalidArgument(
                    "usage: ragdb ask KB \"question\" [--k 5] [--filter EXPR] [--reranker DIR] "
                    "[--stream] [--llm local:NAME] [--llm-config FILE] [--no-llm] [--timings]"),
                true);
  }
  rag::AskOptions ao;
  auto ro = RetrieveOptionsFromArgs(*a);
  if (!ro.ok()) return Fail(ro.status(), true);
  ao.retrieve = *ro;
  if (!a->Has("no-llm")) {
    auto llm =
        rag::LlmConfig::FromEnvAndFile(a->GetOr("llm-config", JoinPath(ctx.data_dir, "llm.json")));
    if (!llm.ok()) return Fail(llm.status(), true);
    ao.llm = *llm;
    if (a->Has("llm")) {
      // --llm local:NAME answers with a local model; another name replaces the configured
      // endpoint's model.
      ao.llm.model = a->GetOr("llm", "");
      if (!ao.llm.enabled()) {
        return Fail(Status::InvalidArgument("--llm: use local:NAME, or configure an endpoint "
                                            "(RAGDB_LLM_BASE_URL or --llm-config) for '" +
                                            ao.llm.model + "'"),
                    true);
      }
    }
  }
  if (a->Has("stream")) {
    // Streaming: one {"delta": ".."} JSON line per piece on stdout, then the final object.
    ao.on_token = [](const std::string& piece) {
      PrintJson({{"delta", piece}});
      std::cout.flush();
    };
  }
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  auto kb = OpenKb(**db, a->positional()[0]);
  if (!kb.ok()) return Fail(kb.status());
  auto answer = rag::Ask(**kb, a->positional()[1], ao);
  if (!answer.ok()) {
    return Fail(answer.status(), answer.status().code() == StatusCode::kInvalidArgument);
  }
  PrintJson(answer->ToJson(a->Has("timings")));
  return kExitOk;
}

int CmdEvalKb(const Context& ctx, const std::vector<std::string>& argv) {
  FlagSpec spec{kRetrieveFlags, {"details", "no-merge"}, {}};
  auto a = Args::Parse(argv, spec);
  if (!a.ok()) return Fail(a.status(), true);
  if (a->positional().size() != 2) {
    return Fail(Status::InvalidArgument("usage: ragdb eval-kb KB FILE.jsonl [--k 5] [--details]"),
                true);
  }
  auto ro = RetrieveOptionsFromArgs(*a);
  if (!ro.ok()) return Fail(ro.status(), true);
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  auto kb = OpenKb(**db, a->positional()[0]);
  if (!kb.ok()) return Fail(kb.status());
  auto report = rag::EvaluateKb(**kb, a->positional()[1], *ro);
  if (!report.ok()) return Fail(report.status());
  PrintJson(report->ToJson(a->Has("details")));
  return kExitOk;
}

}  // namespace ragdb::cli
