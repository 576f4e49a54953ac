// Browsing a knowledge base's stored chunks (the web console's chunk viewer): a document's row,
// its chunks in reading order, one chunk by id. Chunk ids are computed from the document row
// (doc_id, committed version, index), so a page costs one GetMany whatever the KB's size.
#include <algorithm>

#include "rag/kb_internal.h"
#include "ragdb/rag.h"

namespace ragdb::rag {
namespace {

StoredChunk FromRecord(const Record& r) {
  StoredChunk c;
  const Json& p = r.payload;
  c.chunk_id = r.id.ToString();
  c.doc_id = p.value("doc_id", "");
  c.version = p.value("version", int64_t{0});
  c.index = p.value("chunk", size_t{0});
  c.source = p.value("source", "");
  c.page = p.value("page", 0);
  if (p.contains("heading_path") && p["heading_path"].is_array()) {
    for (const auto& h : p["heading_path"]) {
      if (h.is_string()) c.heading_path.push_back(h.get<std::string>());
    }
  }
  c.start = p.value("start", size_t{0});
  c.end = p.value("end", size_t{0});
  c.text = r.text.value_or("");
  c.parent = p.value("parent", "");
  c.metadata = p.value("metadata", Json::object());
  return c;
}

// "<doc_id>-v<version>-<index>" -> its parts; false when `id` is not shaped like a chunk id.
bool SplitChunkId(const std::string& id, std::string* doc_id, int64_t* version, size_t* index) {
  size_t dash = id.rfind('-');
  if (dash == std::string::npos || dash == 0) return false;
  size_t vdash = id.rfind("-v", dash - 1);
  if (vdash == std::string::npos || vdash == 0) return false;
  std::string v = id.substr(vdash + 2, dash - vdash - 2);
  std::string i = id.substr(dash + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 18 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(v) || !digits(i)) return false;
  *doc_id = id.substr(0, vdash);
  *version = std::stoll(v);
  *index = std::stoull(i);
  return true;
}

}  // namespace

Json StoredChunk::ToJson() const {
  Json j = {
      {"chunk_id", chunk_id}, {"doc_id", doc_id}, {"version", version},           {"index", index},
      {"source", source},     {"page", page},     {"heading_path", heading_path}, {"start", start},
      {"end", end},           {"text", text},     {"metadata", metadata}};
  if (!parent.empty()) j["parent"] = parent;
  return j;
}

Result<Json> KnowledgeBase::GetDocument(const std::string& doc_id) const {
  auto row = doc_id == kConfigRowId ? Result<Record>(Status::NotFound(""))
                                    : impl_->docs->Get(PointId(doc_id), false);
  if (!row.ok()) {
    if (row.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no document with id '" + doc_id + "'");
    }
    return row.status();
  }
  Json out = std::move(row->payload);
  out["doc_id"] = doc_id;
  return out;
}

Result<std::vector<StoredChunk>> KnowledgeBase::DocumentChunks(const std::string& doc_id,
                                                               size_t first, size_t limit) const {
  RAGDB_ASSIGN_OR_RETURN(Json row, GetDocument(doc_id));
  const int64_t version = row.value("version", int64_t{0});
  const size_t count = row.value("chunks", size_t{0});
  std::vector<PointId> ids;
  for (size_t i = first; i < count && i - first < limit; ++i) {
    ids.emplace_back(ChunkId(doc_id, version, i));
  }
  RAGDB_ASSIGN_OR_RETURN(auto records, impl_->chunks->GetMany(ids, false));
  std::vector<StoredChunk> out;
  out.reserve(records.size());
  for (const Record& r : records) out.push_back(FromRecord(r));
  std::sort(out.begin(), out.end(),
            [](const StoredChunk& a, const StoredChunk& b) { return a.index < b.index; });
  return out;
}

Result<StoredChunk> KnowledgeBase::GetChunk(const std::string& chunk_id) const {
  std::string doc_id;
  int64_t version = 0;
  size_t index = 0;
  if (!SplitChunkId(chunk_id, &doc_id, &version, &index)) {
    return Status::InvalidArgument("'" + chunk_id +
                                   "' is not a chunk id (expected <doc_id>-v<version>-<index>)");
  }
  auto row = GetDocument(doc_id);
  if (!row.ok() && row.status().code() != StatusCode::kNotFound) return row.status();
  if (!row.ok() || row->value("version", int64_t{-1}) != version) {
    return Status::NotFound("no chunk '" + chunk_id + "' (its document was removed or replaced)");
  }
  auto r = impl_->chunks->Get(PointId(chunk_id), false);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no chunk '" + chunk_id + "'");
    }
    return r.status();
  }
  return FromRecord(*r);
}

}  // namespace ragdb::rag
