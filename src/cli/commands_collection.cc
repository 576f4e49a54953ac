// Commands about whole collections: create, list, describe, drop, optimize, check.
#include <algorithm>
#include <iostream>
#include <optional>

#include "base/log.h"
#include "base/progress.h"
#include "cli/cli.h"
#include "ragdb/model.h"

namespace ragdb::cli {
namespace {

Result<std::string> OneName(const Args& a, const char* usage) {
  if (a.positional().size() != 1)
    return Status::InvalidArgument(std::string("usage: ragdb ") + usage);
  return a.positional()[0];
}

std::vector<std::string> SplitColons(const std::string& spec) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t pos; (pos = spec.find(':', start)) != std::string::npos; start = pos + 1) {
    parts.push_back(spec.substr(start, pos - start));
  }
  parts.push_back(spec.substr(start));
  return parts;
}

// "name:dim[:cosine|ip][:flat|hnsw][:colbert:MODEL]" as given to --multi: a multi-vector field
// (index flat, the default, or hnsw: the token index), filled from text by a ColBERT model
// when one is named (the rest of the spec, colons included: a path may hold them).
Result<MultiVectorField> ParseMultiSpec(const std::string& spec) {
  const std::vector<std::string> parts = SplitColons(spec);
  const std::string usage =
      "--multi expects NAME:DIM[:cosine|ip][:flat|hnsw][:colbert:MODEL], got '" + spec + "'";
  if (parts.size() < 2) return Status::InvalidArgument(usage);
  MultiVectorField f;
  f.name = parts[0];
  try {
    f.dim = static_cast<uint32_t>(std::stoul(parts[1]));
  } catch (...) {
    return Status::InvalidArgument("--multi " + spec + ": bad dimension");
  }
  bool metric = false, index = false;
  for (size_t i = 2; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p == "colbert") {
      f.embedder = spec.substr(spec.find(":colbert:") + 1);
      if (f.embedder == "colbert:")
        return Status::InvalidArgument(usage + ": colbert: which model?");
      break;
    }
    if (!metric && !index && (p == "cosine" || p == "ip")) {
      RAGDB_ASSIGN_OR_RETURN(f.metric, ParseMetric(p));
      metric = true;
    } else if (!index && (p == "flat" || p == "hnsw")) {
      RAGDB_ASSIGN_OR_RETURN(f.index.type, ParseIndexType(p));
      index = true;
    } else {
      return Status::InvalidArgument(usage + ": '" + p +
                                     "' is not cosine or ip, flat or hnsw, or colbert:MODEL");
    }
  }
  if (!f.embedder.empty()) {
    auto loaded = MultiVectorEmbedder::Load(f.embedder);
    if (!loaded.ok()) return loaded.status().WithContext("--multi " + f.name);
    if ((*loaded)->dim() != f.dim) {
      return Status::InvalidArgument("--multi " + f.name + ": " + f.embedder + " makes " +
                                     std::to_string((*loaded)->dim()) + "-d token vectors, not " +
                                     std::to_string(f.dim));
    }
  }
  return f;
}

// "name:dim[:metric]" as given to --vector.
Result<VectorField> ParseVectorSpec(const std::string& spec, Metric default_metric) {
  const std::vector<std::string> parts = SplitColons(spec);
  if (parts.size() < 2 || parts.size() > 3) {
    return Status::InvalidArgument("--vector expects NAME:DIM[:METRIC], got '" + spec + "'");
  }
  VectorField f;
  f.name = parts[0];
  try {
    f.dim = static_cast<uint32_t>(std::stoul(parts[1]));
  } catch (...) {
    return Status::InvalidArgument("--vector " + spec + ": bad dimension");
  }
  f.metric = default_metric;
  if (parts.size() == 3) {
    RAGDB_ASSIGN_OR_RETURN(f.metric, ParseMetric(parts[2]));
  }
  return f;
}

// Flags that only some index types use: given with another --index, they would be ignored.
Status CheckIndexFlags(const Args& a, IndexType type) {
  struct Use {
    const char* flag;
    std::vector<IndexType> types;
  };
  const Use uses[] = {{"m", {IndexType::kHnsw}},
                      {"ef-construction", {IndexType::kHnsw}},
                      {"quantization", {IndexType::kHnsw}},
                      {"nlist", {IndexType::kIvfFlat, IndexType::kIvfPq}},
                      {"pq-m", {IndexType::kIvfPq}}};
  for (const Use& u : uses) {
    if (!a.Has(u.flag) || std::find(u.types.begin(), u.types.end(), type) != u.types.end()) {
      continue;
    }
    if (std::string(u.flag) == "quantization" && a.GetOr("quantization", "") == "none") continue;
    // HNSW's product quantization has sub-spaces too.
    if (std::string(u.flag) == "pq-m" && type == IndexType::kHnsw &&
        a.GetOr("quantization", "") == "pq") {
      continue;
    }
    std::string wanted;
    for (IndexType t : u.types)
      wanted += (wanted.empty() ? "" : " or ") + std::string(IndexTypeName(t));
    return Status::InvalidArgument("--" + std::string(u.flag) + " applies to --index " + wanted +
                                   ", not " + std::string(IndexTypeName(type)));
  }
  return Status::Ok();
}

}  // namespace

int CmdCreate(const Context& ctx, const std::vector<std::string>& argv) {
  FlagSpec spec{
      {"dim", "metric", "datatype", "index", "m", "ef-construction", "nlist", "pq-m",
       "quantization", "embedder", "analyzer", "vector", "sparse", "multi", "payload-index"},
      {"text"},
      {"vector", "sparse", "multi", "payload-index"}};
  auto a = Args::Parse(argv, spec);
  if (!a.ok()) return Fail(a.status(), true);
  auto name = OneName(*a,
                      "create NAME --dim D [--metric cosine|l2|ip|hamming] "
                      "[--datatype float32|float16|int8|uint8|binary] ...");
  if (!name.ok()) return Fail(name.status(), true);

  CollectionSchema schema;
  // How vector fields store their components; binary vectors only have the hamming metric, so it
  // is their default.
  auto datatype = ParseElementType(a->GetOr("datatype", "float32"));
  if (!datatype.ok()) return Fail(datatype.status(), true);
  auto metric =
      ParseMetric(a->GetOr("metric", *datatype == ElementType::kBinary ? "hamming" : "cosine"));
  if (!metric.ok()) return Fail(metric.status(), true);
  IndexParams index;
  auto type = ParseIndexType(a->GetOr("index", "flat"));
  if (!type.ok()) return Fail(type.status(), true);
  index.type = *type;
  auto m = a->GetUint("m", index.m);
  auto efc = a->GetUint("ef-construction", index.ef_construction);
  auto nlist = a->GetUint("nlist", 0);
  auto pq_m = a->GetUint("pq-m", 0);
  for (const auto* r : {&m, &efc, &nlist, &pq_m}) {
    if (!r->ok()) return Fail(r->status(), true);
  }
  index.m = static_cast<uint32_t>(*m);
  index.ef_construction = static_cast<uint32_t>(*efc);
  index.nlist = static_cast<uint32_t>(*nlist);
  index.pq_m = static_cast<uint32_t>(*pq_m);
  auto q = ParseQuantization(a->GetOr("quantization", "none"));
  if (!q.ok()) return Fail(q.status(), true);
  index.quantization = *q;
  // Index parameters of another index type would be stored and never used.
  Status unused = CheckIndexFlags(*a, index.type);
  if (!unused.ok()) return Fail(unused, true);

  // An embedder fixes the dimension: without --dim / --vector the default field takes it, and a
  // --dim that differs is refused now rather than at the first upsert.
  std::string embedder = a->GetOr("embedder", "");
  std::optional<size_t> embedder_dim;
  if (!embedder.empty()) {
    if (embedder == kAutoEmbedder) {
      AutoEmbedder chosen = ResolveAutoEmbedder("");
      if (!chosen.fallback.empty()) {
        log::Warn("create.embedder_fallback",
                  chosen.fallback + ". Collection '" + *name +
                      "' falls back to the lexical hash embedder, which matches shared words "
                      "only; for the semantic model, pull it and create the collection with "
                      "--embedder bge-small-en-v1.5",
                  {{"collection", *name}});
      }
      embedder = chosen.spec;
    }
    auto loaded = Embedder::Load(embedder);
    if (!loaded.ok()) return Fail(loaded.status().WithContext("--embedder " + embedder));
    embedder_dim = (*loaded)->dim();
    if (!a->Has("dim") && a->GetAll("vector").empty()) {
      log::Info("create.embedder_dim",
                "the vector field takes dimension " + std::to_string(*embedder_dim) +
                    " from embedder " + embedder,
                {{"collection", *name}, {"embedder", embedder}, {"dim", *embedder_dim}});
    }
  }
  auto check_dim = [&](const VectorField& f) -> Status {
    if (!embedder_dim || f.dim == *embedder_dim) return Status::Ok();
    return Status::InvalidArgument(
        "embedder " + embedder + " makes " + std::to_string(*embedder_dim) + "-d vectors, but " +
        (f.name.empty() ? std::string("--dim is ") : "vector '" + f.name + "' has dimension ") +
        std::to_string(f.dim) + " (leave --dim out to take the embedder's)");
  };

  if (a->Has("dim") || (embedder_dim && a->GetAll("vector").empty())) {
    auto dim = a->GetUint("dim", 0);
    if (!dim.ok()) return Fail(dim.status(), true);
    VectorField f;
    f.dim = static_cast<uint32_t>(
        std::min<uint64_t>(a->Has("dim") ? *dim : embedder_dim.value_or(0), UINT32_MAX));
    f.metric = *metric;
    f.element_type = *datatype;
    f.index = index;
    f.embedder = embedder;
    if (Status s = check_dim(f); !s.ok()) return Fail(s, true);
    schema.vectors.push_back(f);
  }
  for (const auto& v : a->GetAll("vector")) {
    auto f = ParseVectorSpec(v, *metric);
    if (!f.ok()) return Fail(f.status(), true);
    f->element_type = *datatype;
    f->index = index;
    f->embedder = embedder;
    if (Status s = check_dim(*f); !s.ok()) return Fail(s, true);
    schema.vectors.push_back(*f);
  }
  for (const auto& s : a->GetAll("sparse")) schema.sparse_vectors.push_back({s});
  for (const auto& spec : a->GetAll("multi")) {
    auto m = ParseMultiSpec(spec);
    if (!m.ok()) return Fail(m.status(), true);
    schema.multi_vectors.push_back(*m);
  }
  if (a->Has("text") || a->Has("analyzer")) {
    TextField t;
    t.analyzer = a->GetOr("analyzer", t.analyzer);
    schema.text = t;
  }
  for (const auto& p : a->GetAll("payload-index")) {
    auto colon = p.rfind(':');
    PayloadIndexField f;
    f.path = p.substr(0, colon);
    auto t = ParsePayloadType(colon == std::string::npos ? "keyword" : p.substr(colon + 1));
    if (!t.ok()) return Fail(t.status(), true);
    f.type = *t;
    schema.payload_indexes.push_back(f);
  }
  if (schema.vectors.empty() && !schema.text && schema.sparse_vectors.empty() &&
      schema.multi_vectors.empty()) {
    return Fail(Status::InvalidArgument("create needs --dim D, --vector NAME:DIM or --text"), true);
  }
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  auto c = (*db)->CreateCollection(*name, schema);
  if (!c.ok()) return Fail(c.status());
  PrintJson({{"created", *name}, {"schema", schema.ToJson()}});
  return kExitOk;
}

int CmdList(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {});
  if (!a.ok() || !a->positional().empty())
    return Fail(Status::InvalidArgument("usage: ragdb list"), true);
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  for (const auto& n : (*db)->ListCollections()) std::cout << n << "\n";
  return kExitOk;
}

int CmdDescribe(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {});
  if (!a.ok()) return Fail(a.status(), true);
  auto name = OneName(*a, "describe NAME");
  if (!name.ok()) return Fail(name.status(), true);
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  auto c = (*db)->GetCollection(*name);
  if (!c.ok()) return Fail(c.status());
  auto info = (*c)->Describe();
  if (!info.ok()) return Fail(info.status());
  std::cout << info->ToJson().dump(2) << "\n";
  return kExitOk;
}

int CmdDrop(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {});
  if (!a.ok()) return Fail(a.status(), true);
  auto name = OneName(*a, "drop NAME");
  if (!name.ok()) return Fail(name.status(), true);
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  Status s = (*db)->DropCollection(*name);
  if (!s.ok()) return Fail(s);
  PrintJson({{"dropped", *name}});
  return kExitOk;
}

int CmdOptimize(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {});
  if (!a.ok()) return Fail(a.status(), true);
  auto name = OneName(*a, "optimize NAME");
  if (!name.ok()) return Fail(name.status(), true);
  auto db = OpenDatabase(ctx);
  if (!db.ok()) return Fail(db.status());
  auto c = (*db)->GetCollection(*name);
  if (!c.ok()) return Fail(c.status());
  Progress progress("optimize", Progress::Unit::kRows, 0);
  Status s = (*c)->Optimize([&progress](std::string_view stage, uint64_t done, uint64_t total) {
    progress.SetTotal(total);
    progress.SetDetail(stage);
    progress.Set(done);
  });
  if (!s.ok()) return Fail(s);
  auto info = (*c)->Describe();
  if (!info.ok()) return Fail(info.status());
  const size_t sealed = info->segments.size() - 1;  // the last one is the (empty) growing segment
  progress.Finish("optimized " + *name + ": " + std::to_string(info->points) + " points in " +
                  std::to_string(sealed) + " segment(s)");
  PrintJson({{"optimized", *name}, {"points", info->points}, {"segments", sealed}});
  return kExitOk;
}

int CmdCheck(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {});
  if (!a.ok() || !a->positional().empty())
    return Fail(Status::InvalidArgument("usage: ragdb check"), true);
  auto report = Database::Check(ctx.data_dir);
  if (!report.ok()) return Fail(report.status());
  for (const auto& p : report->problems) log::Error("check.damaged", p);
  PrintJson({{"ok", report->ok()},
             {"files_checked", report->files_checked},
             {"problems", report->problems}});
  return report->ok() ? kExitOk : kExitFailure;
}

}  // namespace ragdb::cli
