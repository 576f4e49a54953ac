// Commands about whole collections: create, list, describe, drop, optimize, check.
#include <iostream>

#include "cli/cli.h"

namespace ragdb::cli {
namespace {

Result<std::string> OneName(const Args& a, const char* usage) {
  if (a.positional().size() != 1)
    return Status::InvalidArgument(std::string("usage: ragdb ") + usage);
  return a.positional()[0];
}

// "name:dim[:metric]" as given to --vector.
Result<VectorField> ParseVectorSpec(const std::string& spec, Metric default_metric) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t pos; (pos = spec.find(':', start)) != std::string::npos; start = pos + 1) {
    parts.push_back(spec.substr(start, pos - start));
  }
  parts.push_back(spec.substr(start));
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

}  // namespace

int CmdCreate(const Context& ctx, const std::vector<std::string>& argv) {
  FlagSpec spec{{"dim", "metric", "datatype", "index", "m", "ef-construction", "nlist", "pq-m",
                 "quantization", "embedder", "analyzer", "vector", "sparse", "payload-index"},
                {"text"},
                {"vector", "sparse", "payload-index"}};
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

  if (a->Has("dim")) {
    auto dim = a->GetUint("dim", 0);
    if (!dim.ok()) return Fail(dim.status(), true);
    VectorField f;
    f.dim = static_cast<uint32_t>(std::min<uint64_t>(*dim, UINT32_MAX));
    f.metric = *metric;
    f.element_type = *datatype;
    f.index = index;
    f.embedder = a->GetOr("embedder", "");
    schema.vectors.push_back(f);
  }
  for (const auto& v : a->GetAll("vector")) {
    auto f = ParseVectorSpec(v, *metric);
    if (!f.ok()) return Fail(f.status(), true);
    f->element_type = *datatype;
    f->index = index;
    f->embedder = a->GetOr("embedder", "");
    schema.vectors.push_back(*f);
  }
  for (const auto& s : a->GetAll("sparse")) schema.sparse_vectors.push_back({s});
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
  if (schema.vectors.empty() && !schema.text && schema.sparse_vectors.empty()) {
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
  Status s = (*c)->Optimize();
  if (!s.ok()) return Fail(s);
  auto info = (*c)->Describe();
  if (!info.ok()) return Fail(info.status());
  PrintJson(
      {{"optimized", *name}, {"points", info->points}, {"segments", info->segments.size() - 1}});
  return kExitOk;
}

int CmdCheck(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {});
  if (!a.ok() || !a->positional().empty())
    return Fail(Status::InvalidArgument("usage: ragdb check"), true);
  auto report = Database::Check(ctx.data_dir);
  if (!report.ok()) return Fail(report.status());
  for (const auto& p : report->problems) std::cerr << "ragdb: damaged: " << p << "\n";
  PrintJson({{"ok", report->ok()},
             {"files_checked", report->files_checked},
             {"problems", report->problems}});
  return report->ok() ? kExitOk : kExitFailure;
}

}  // namespace ragdb::cli
