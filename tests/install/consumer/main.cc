// Uses the installed C++ API: creates a collection, upserts, searches with a filter.
#include <cstdio>

#include "ragdb/database.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto db = ragdb::Database::Open(argv[1]);
  if (!db.ok()) return std::fprintf(stderr, "%s\n", db.status().ToString().c_str()), 1;
  ragdb::CollectionSchema schema;
  schema.vectors.push_back({.name = "", .dim = 2, .metric = ragdb::Metric::kL2});
  auto col = (*db)->CreateCollection("cc", schema);
  if (!col.ok()) return std::fprintf(stderr, "%s\n", col.status().ToString().c_str()), 1;
  std::vector<ragdb::Record> records(3);
  for (int i = 0; i < 3; ++i) {
    records[i].id = uint64_t(i + 1);
    records[i].vectors[""] = {float(i), 0};
    records[i].payload = {{"odd", i % 2 == 1}};
  }
  if (auto s = (*col)->Upsert(records); !s.ok()) return std::fprintf(stderr, "upsert\n"), 1;
  ragdb::SearchRequest request;
  request.vector = {2.1f, 0};
  request.k = 1;
  request.filter = ragdb::Filter::Parse("odd == false").value();
  auto hits = (*col)->Search(request);
  if (!hits.ok() || hits->size() != 1) return std::fprintf(stderr, "search\n"), 1;
  std::printf("c++ consumer: nearest even point %s\n", (*hits)[0].id.ToString().c_str());
  return (*hits)[0].id == ragdb::PointId(uint64_t{3}) ? 0 : 1;
}
