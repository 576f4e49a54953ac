// Commands that read and write records: upsert, import, get, delete, count, scroll.
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/file.h"
#include "base/progress.h"
#include "cli/cli.h"
#include "cli/vecs_io.h"

namespace ragdb::cli {
namespace {

constexpr size_t kUpsertBatch = 1000;

Result<std::shared_ptr<Collection>> OpenCollection(const Context& ctx, const std::string& name,
                                                   std::unique_ptr<Database>* db) {
  RAGDB_ASSIGN_OR_RETURN(*db, OpenDatabase(ctx));
  return (*db)->GetCollection(name);
}

// "image": a path to an existing file is read here (the record JSON itself takes base64), so
// `{"id": 1, "image": "photos/cat.jpg"}` embeds the file.
Status ResolveImagePath(Json* j, std::optional<std::string>* image) {
  if (!j->is_object() || !j->contains("image") || !(*j)["image"].is_string()) return Status::Ok();
  const std::string path = (*j)["image"].get<std::string>();
  if (path.empty() || path.size() > 4096 || !FileExists(path)) return Status::Ok();
  RAGDB_ASSIGN_OR_RETURN(*image, ReadFile(path));
  j->erase("image");
  return Status::Ok();
}

// Parses JSON Lines; errors carry the 1-based line number.
Result<std::vector<Record>> ReadRecords(std::istream& in, const std::string& source) {
  std::vector<Record> records;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json j;
    try {
      j = Json::parse(line);
    } catch (const Json::parse_error& e) {
      std::string what = e.what();
      auto pos = what.find("parse error");
      return Status::InvalidArgument(source + " line " + std::to_string(n) + ": malformed JSON: " +
                                     (pos == std::string::npos ? what : what.substr(pos)));
    }
    std::optional<std::string> image;
    Status st = ResolveImagePath(&j, &image);
    if (!st.ok()) return st.WithContext(source + " line " + std::to_string(n));
    auto r = RecordFromJson(j);
    if (!r.ok()) return r.status().WithContext(source + " line " + std::to_string(n));
    if (image) r->image = std::move(image);
    records.push_back(std::move(r).value());
  }
  if (in.bad()) return Status::IOError("reading " + source + " failed");
  return records;
}

}  // namespace

int CmdUpsert(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {});
  if (!a.ok()) return Fail(a.status(), true);
  if (a->positional().empty() || a->positional().size() > 2) {
    return Fail(Status::InvalidArgument("usage: ragdb upsert NAME [FILE]"), true);
  }
  Result<std::vector<Record>> records = std::vector<Record>{};
  if (a->positional().size() == 2 && a->positional()[1] != "-") {
    std::ifstream f(a->positional()[1]);
    if (!f) return Fail(Status::NotFound("cannot open " + a->positional()[1]));
    records = ReadRecords(f, a->positional()[1]);
  } else {
    records = ReadRecords(std::cin, "stdin");
  }
  if (!records.ok()) return Fail(records.status());
  std::unique_ptr<Database> db;
  auto c = OpenCollection(ctx, a->positional()[0], &db);
  if (!c.ok()) return Fail(c.status());
  // Validate everything first, so bad input anywhere leaves the collection unchanged.
  std::span<const Record> all(*records);
  {
    Progress check("upsert check", Progress::Unit::kRows, all.size());
    for (size_t start = 0; start < all.size(); start += kUpsertBatch) {
      auto part = all.subspan(start, std::min(kUpsertBatch, all.size() - start));
      Status s = (*c)->Validate(part);
      if (!s.ok()) {
        return Fail(Status(s.code(), s.message() + " (in input record " + std::to_string(start) +
                                         ".." + std::to_string(start + part.size() - 1) + ")"));
      }
      check.Add(part.size());
    }
  }  // not finished: a bar only, no summary line
  Progress progress("upsert", Progress::Unit::kRows, all.size());
  size_t done = 0;
  for (size_t start = 0; start < all.size(); start += kUpsertBatch) {
    auto part = all.subspan(start, std::min(kUpsertBatch, all.size() - start));
    Status s = (*c)->Upsert(part);
    if (!s.ok()) {
      std::cerr << "ragdb: " << done << " records were stored before the error\n";
      return Fail(s);
    }
    done += part.size();
    progress.Add(part.size());
  }
  progress.Finish();
  PrintJson({{"upserted", done}});
  return kExitOk;
}

int CmdImport(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {{"fvecs", "field", "first-id"}, {}, {}});
  if (!a.ok()) return Fail(a.status(), true);
  if (a->positional().size() != 1 || !a->Has("fvecs")) {
    return Fail(Status::InvalidArgument("usage: ragdb import NAME --fvecs FILE [--field NAME]"),
                true);
  }
  auto first = a->GetUint("first-id", 0);
  if (!first.ok()) return Fail(first.status(), true);
  const std::string path = *a->Get("fvecs");
  auto reader = FvecsReader::Open(path);
  if (!reader.ok()) return Fail(reader.status());
  std::unique_ptr<Database> db;
  auto c = OpenCollection(ctx, a->positional()[0], &db);
  if (!c.ok()) return Fail(c.status());
  const std::string field = a->GetOr("field", kDefaultVectorName);
  const CollectionSchema schema = (*c)->schema();
  const VectorField* f = schema.FindVector(field);
  if (f == nullptr) {
    return Fail(Status::InvalidArgument("collection '" + (*c)->name() + "' has no vector field '" +
                                        field + "'"));
  }
  if ((*reader)->rows() > 0 && (*reader)->dim() != f->dim) {
    return Fail(Status::InvalidArgument(path + " holds " + std::to_string((*reader)->dim()) +
                                        "-d vectors, the field has dimension " +
                                        std::to_string(f->dim)));
  }
  // The file is read twice in fixed-size batches: first to check every row (so a bad row
  // anywhere stores nothing), then to write. Memory stays one batch, whatever the file size.
  constexpr size_t kBatchRows = 8192;
  std::vector<float> batch;
  {
    Progress check("import check", Progress::Unit::kRows, (*reader)->rows());
    for (;;) {
      auto n = (*reader)->Read(kBatchRows, &batch);
      if (!n.ok()) return Fail(n.status());
      if (*n == 0) break;
      check.Add(*n);
    }
  }  // not finished: a bar only, no summary line
  if (Status s = (*reader)->Rewind(); !s.ok()) return Fail(s);
  Progress progress("import", Progress::Unit::kRows, (*reader)->rows());
  progress.SetDetail(path);
  auto start = std::chrono::steady_clock::now();
  uint64_t id = *first;
  for (;;) {
    auto n = (*reader)->Read(kBatchRows, &batch);
    if (!n.ok()) return Fail(n.status());
    if (*n == 0) break;
    Status s = (*c)->ImportVectors(field, batch.data(), *n, id);
    if (!s.ok()) {
      std::cerr << "ragdb: " << id - *first << " rows were stored before the error\n";
      return Fail(s);
    }
    id += *n;
    progress.Add(*n);
  }
  progress.Finish();
  const size_t rows = (*reader)->rows();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  PrintJson({{"imported", rows},
             {"seconds", secs},
             {"vectors_per_second", secs > 0 ? rows / secs : 0.0}});
  return kExitOk;
}

int CmdGet(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {});
  if (!a.ok()) return Fail(a.status(), true);
  if (a->positional().size() != 2)
    return Fail(Status::InvalidArgument("usage: ragdb get NAME ID"), true);
  auto id = PointId::Parse(a->positional()[1]);
  if (!id.ok()) return Fail(id.status(), true);
  std::unique_ptr<Database> db;
  auto c = OpenCollection(ctx, a->positional()[0], &db);
  if (!c.ok()) return Fail(c.status());
  auto r = (*c)->Get(*id);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kNotFound) {
      std::cerr << "not found\n";
      return kExitFailure;
    }
    return Fail(r.status());
  }
  PrintJson(RecordToJson(*r));
  return kExitOk;
}

int CmdDelete(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {{"ids", "filter"}, {}, {}});
  if (!a.ok()) return Fail(a.status(), true);
  if (a->positional().size() != 1 || a->Has("ids") == a->Has("filter")) {
    return Fail(Status::InvalidArgument("usage: ragdb delete NAME (--ids 1,2,3 | --filter EXPR)"),
                true);
  }
  std::vector<PointId> ids;
  std::optional<Filter> filter;
  if (a->Has("ids")) {
    for (const auto& part : SplitComma(*a->Get("ids"))) {
      auto id = PointId::Parse(part);
      if (!id.ok()) return Fail(id.status(), true);
      ids.push_back(*id);
    }
  } else {
    auto f = ParseFilterArg(*a->Get("filter"));
    if (!f.ok()) return Fail(f.status(), true);
    filter = std::move(f).value();
  }
  std::unique_ptr<Database> db;
  auto c = OpenCollection(ctx, a->positional()[0], &db);
  if (!c.ok()) return Fail(c.status());
  auto n = filter ? (*c)->DeleteByFilter(*filter) : (*c)->Delete(ids);
  if (!n.ok()) return Fail(n.status());
  PrintJson({{"deleted", *n}});
  return kExitOk;
}

int CmdCount(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {{"filter"}, {}, {}});
  if (!a.ok()) return Fail(a.status(), true);
  if (a->positional().size() != 1)
    return Fail(Status::InvalidArgument("usage: ragdb count NAME [--filter EXPR]"), true);
  std::optional<Filter> filter;
  if (a->Has("filter")) {
    auto f = ParseFilterArg(*a->Get("filter"));
    if (!f.ok()) return Fail(f.status(), true);
    filter = std::move(f).value();
  }
  std::unique_ptr<Database> db;
  auto c = OpenCollection(ctx, a->positional()[0], &db);
  if (!c.ok()) return Fail(c.status());
  auto n = (*c)->Count(filter ? &*filter : nullptr);
  if (!n.ok()) return Fail(n.status());
  std::cout << *n << "\n";
  return kExitOk;
}

int CmdScroll(const Context& ctx, const std::vector<std::string>& argv) {
  auto a = Args::Parse(argv, {{"limit", "offset", "filter"}, {"with-vector"}, {}});
  if (!a.ok()) return Fail(a.status(), true);
  if (a->positional().size() != 1)
    return Fail(Status::InvalidArgument("usage: ragdb scroll NAME [--limit N]"), true);
  ScrollRequest req;
  auto limit = a->GetUint("limit", 10);
  if (!limit.ok()) return Fail(limit.status(), true);
  req.limit = *limit;
  req.with_vectors = a->Has("with-vector");
  if (a->Has("offset")) {
    auto id = PointId::Parse(*a->Get("offset"));
    if (!id.ok()) return Fail(id.status(), true);
    req.offset = *id;
  }
  if (a->Has("filter")) {
    auto f = ParseFilterArg(*a->Get("filter"));
    if (!f.ok()) return Fail(f.status(), true);
    req.filter = std::move(f).value();
  }
  std::unique_ptr<Database> db;
  auto c = OpenCollection(ctx, a->positional()[0], &db);
  if (!c.ok()) return Fail(c.status());
  auto page = (*c)->Scroll(req);
  if (!page.ok()) return Fail(page.status());
  Json records = Json::array();
  for (const auto& r : page->records) records.push_back(RecordToJson(r, req.with_vectors));
  PrintJson({{"records", records},
             {"next_offset", page->next_offset ? page->next_offset->ToJson() : Json()}});
  return kExitOk;
}

}  // namespace ragdb::cli
