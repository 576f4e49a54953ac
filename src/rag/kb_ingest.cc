// Ingestion into a knowledge base: parse, chunk, embed, then write in the crash-safe order
// described in ragdb/rag.h (new-version chunks in one batch -> document row -> delete old
// versions).
#include <chrono>
#include <filesystem>
#include <system_error>

#include "base/file.h"
#include "rag/chunker.h"
#include "rag/kb_internal.h"
#include "rag/parse.h"
#include "rag/sha256.h"
#include "ragdb/rag.h"

namespace ragdb::rag {
namespace fs = std::filesystem;

Json IngestSummary::ToJson() const {
  Json skipped_list = Json::array();
  for (const auto& s : skipped_files) {
    skipped_list.push_back({{"source", s.source}, {"reason", s.reason}});
  }
  return {{"files", files},
          {"added", added},
          {"updated", updated},
          {"unchanged", unchanged},
          {"skipped", skipped},
          {"removed", removed},
          {"chunks", chunks},
          {"bytes", bytes},
          {"pages", pages},
          {"seconds", seconds},
          {"skipped_files", skipped_list}};
}

namespace {

Filter DocFilter(const std::string& doc_id, std::optional<int64_t> keep_version) {
  Filter f;
  Condition c;
  c.kind = Condition::Kind::kMatch;
  c.key = "doc_id";
  c.values = {Json(doc_id)};
  f.must.push_back(c);
  if (keep_version) {
    Condition v;
    v.kind = Condition::Kind::kMatch;
    v.key = "version";
    v.values = {Json(*keep_version)};
    f.must_not.push_back(v);
  }
  return f;
}

IngestResult Skipped(const std::string& source, const std::string& reason) {
  IngestResult r;
  r.source = source;
  r.status = "skipped";
  r.reason = reason;
  return r;
}

// Statuses that describe the input (so the file is skipped), as opposed to a failing database.
bool IsInputError(const Status& st) {
  return st.code() == StatusCode::kInvalidArgument || st.code() == StatusCode::kResourceExhausted ||
         st.code() == StatusCode::kCorruption || st.code() == StatusCode::kUnimplemented ||
         st.code() == StatusCode::kNotFound;
}

}  // namespace

// Ingests `bytes` of `format` as document `source`. Writes nothing unless every step before the
// first write succeeded.
static Result<IngestResult> IngestBytes(KnowledgeBase::Impl& impl, const std::string& source,
                                        const std::string& bytes, Format format,
                                        const Json& metadata) {
  std::lock_guard<std::mutex> lock(impl.ingest_mu);
  IngestResult result;
  result.source = source;
  result.bytes = bytes.size();
  result.doc_id = DocIdForSource(source);
  const std::string hash = Sha256Hex(bytes);

  int64_t version = 1;
  auto existing = impl.docs->Get(PointId(result.doc_id), false);
  if (existing.ok()) {
    const Json& p = existing->payload;
    if (p.value("content_hash", "") == hash &&
        p.value("input_metadata", Json::object()) == metadata) {
      result.status = "unchanged";
      result.chunks = p.value("chunks", size_t{0});
      return result;
    }
    version = p.value("version", int64_t{0}) + 1;
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }

  auto doc = ParseBytes(bytes, format);
  if (!doc.ok()) return Skipped(source, doc.status().message());
  doc->metadata.source = source;
  result.pages = doc->metadata.page_count;

  ChunkOptions copts;
  copts.size_tokens = impl.options.chunk_size;
  copts.overlap_tokens = impl.options.overlap;
  copts.mode =
      impl.options.mode == "parent-child" ? ChunkMode::kParentChild : ChunkMode::kRecursive;
  copts.parent_size_tokens = impl.options.parent_size;
  auto set = ChunkDocument(*doc, copts);
  if (!set.ok()) return Skipped(source, "chunking: " + set.status().message());
  if (set->chunks.empty()) return Skipped(source, "no text found");

  // What gets embedded: the title and heading path give a chunk the context its text lacks.
  std::vector<std::string> inputs;
  inputs.reserve(set->chunks.size());
  for (const Chunk& c : set->chunks) {
    std::string in = doc->metadata.title;
    for (const auto& h : c.heading_path) in += (in.empty() ? "" : " > ") + h;
    inputs.push_back(in.empty() ? c.text : in + "\n" + c.text);
  }
  auto vectors = impl.embedder->Embed(inputs);
  if (!vectors.ok()) return Skipped(source, "embedding: " + vectors.status().message());

  Json doc_meta = metadata;
  if (!doc->metadata.title.empty() && !doc_meta.contains("title")) {
    doc_meta["title"] = doc->metadata.title;
  }
  doc_meta["format"] = std::string(FormatName(format));
  if (doc->metadata.page_count > 0) doc_meta["page_count"] = doc->metadata.page_count;

  std::vector<Record> records;
  records.reserve(set->chunks.size());
  for (size_t i = 0; i < set->chunks.size(); ++i) {
    const Chunk& c = set->chunks[i];
    Record r;
    r.id = PointId(ChunkId(result.doc_id, version, i));
    r.vectors[kDenseField] = std::move((*vectors)[i]);
    r.text = c.text;
    r.payload = {{"doc_id", result.doc_id}, {"version", version},
                 {"source", source},        {"chunk", i},
                 {"page", c.page},          {"heading_path", c.heading_path},
                 {"start", c.start},        {"end", c.end},
                 {"metadata", doc_meta}};
    if (c.parent >= 0 && static_cast<size_t>(c.parent) < set->parents.size()) {
      r.payload["parent_index"] = c.parent;
      r.payload["parent"] = set->parents[c.parent].text;
    }
    records.push_back(std::move(r));
  }
  // All or nothing: Upsert validates the whole batch before writing any of it.
  Status st = impl.chunks->Upsert(records);
  if (!st.ok()) {
    if (IsInputError(st)) return Skipped(source, st.message());
    return st;
  }
  Record row;
  row.id = PointId(result.doc_id);
  row.text = source;
  row.payload = {
      {"kind", "document"},
      {"source", source},
      {"content_hash", hash},
      {"metadata", doc_meta},
      {"input_metadata", metadata},
      {"version", version},
      {"chunks", records.size()},
      {"bytes", bytes.size()},
      {"ingested_at", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count())}};
  // The commit point: from here on readers see the new version only.
  RAGDB_RETURN_IF_ERROR(impl.docs->Upsert(std::span<const Record>(&row, 1)));
  // Older versions (and orphans of an interrupted earlier attempt) are now invisible; drop them.
  RAGDB_RETURN_IF_ERROR(impl.chunks->DeleteByFilter(DocFilter(result.doc_id, version)).status());
  result.status = existing.ok() ? "updated" : "added";
  result.chunks = records.size();
  return result;
}

Result<IngestResult> KnowledgeBase::IngestFile(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(path, ec), ec);
  std::string source = ec ? path : abs.string();
  auto format = FormatFromPath(source);
  if (!format.ok()) return Skipped(source, "unsupported file type");
  auto bytes = ReadFile(source);
  if (!bytes.ok()) return Skipped(source, bytes.status().message());
  Json meta = {{"file_name", abs.filename().string()}};
  return IngestBytes(*impl_, source, *bytes, *format, meta);
}

Result<IngestResult> KnowledgeBase::IngestText(const std::string& source, const std::string& text,
                                               const Json& metadata) {
  if (source.empty()) return Status::InvalidArgument("ingest_text: source must not be empty");
  Format format = Format::kText;
  auto by_ext = FormatFromPath(source);
  if (by_ext.ok() && (*by_ext == Format::kMarkdown || *by_ext == Format::kHtml)) format = *by_ext;
  Json meta = metadata.is_object() ? metadata : Json::object();
  return IngestBytes(*impl_, source, text, format, meta);
}

Status KnowledgeBase::RemoveDocument(const std::string& source) {
  std::lock_guard<std::mutex> lock(impl_->ingest_mu);
  std::string doc_id = DocIdForSource(source);
  PointId id(doc_id);
  RAGDB_ASSIGN_OR_RETURN(size_t n, impl_->docs->Delete(std::span<const PointId>(&id, 1)));
  if (n == 0) return Status::NotFound("no document with source '" + source + "'");
  return impl_->chunks->DeleteByFilter(DocFilter(doc_id, std::nullopt)).status();
}

Result<IngestSummary> KnowledgeBase::IngestPaths(const std::vector<std::string>& paths,
                                                 const IngestOptions& options) {
  auto start = std::chrono::steady_clock::now();
  IngestSummary summary;
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(
               p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {  // hidden files and folders (.git)
          if (it->is_directory(ec)) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file(ec)) found.push_back(it->path().string());
      }
      if (ec) {
        summary.skipped_files.push_back(Skipped(p, "cannot list folder: " + ec.message()));
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      summary.skipped_files.push_back(Skipped(p, "no such file or folder"));
    }
  }
  summary.files = files.size();
  for (size_t i = 0; i < files.size(); ++i) {
    RAGDB_ASSIGN_OR_RETURN(IngestResult r, IngestFile(files[i]));
    if (r.status == "skipped") {
      summary.skipped_files.push_back(r);
    } else if (r.status == "unchanged") {
      ++summary.unchanged;
    } else {
      (r.status == "added" ? summary.added : summary.updated)++;
      summary.chunks += r.chunks;
      summary.bytes += r.bytes;
      summary.pages += static_cast<size_t>(std::max(r.pages, 0));
    }
    if (options.progress) options.progress(i + 1, files.size(), files[i]);
  }
  if (options.sync) {
    RAGDB_ASSIGN_OR_RETURN(auto docs, ListDocuments());
    for (const Json& d : docs) {
      std::string source = d.value("source", "");
      // Only documents that came from files (absolute paths) can have "gone" files.
      if (source.empty() || source[0] != '/' || FileExists(source)) continue;
      RAGDB_RETURN_IF_ERROR(RemoveDocument(source));
      ++summary.removed;
    }
  }
  summary.skipped = summary.skipped_files.size();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace ragdb::rag
