// Ingestion into a knowledge base: parse, chunk, embed, then write in the crash-safe order
// described in ragdb/rag.h (new-version chunks in one batch -> document row -> delete old
// versions).
#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <system_error>

#include "base/file.h"
#include "rag/chunker.h"
#include "rag/corpus.h"
#include "rag/kb_internal.h"
#include "rag/kb_media.h"
#include "rag/parse/parse.h"
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
          {"timings_ms",
           {{"read", read_ms},
            {"parse", parse_ms},
            {"chunk", chunk_ms},
            {"embed", embed_ms},
            {"write", write_ms}}},
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

namespace {

using Clock = std::chrono::steady_clock;
double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// A document parsed, chunked and embedded: what is left is to write it. Preparing needs no
// lock on the database, so a batch of documents is prepared first and written together.
struct PreparedDoc {
  IngestResult result;  // final unless `write`; then "added" / "updated" once written
  bool write = false;
  int64_t version = 0;
  std::vector<Record> chunks;
  Record row;
};

PreparedDoc SkippedDoc(const std::string& source, const std::string& reason) {
  PreparedDoc p;
  p.result = Skipped(source, reason);
  return p;
}

// Parses, chunks and embeds `bytes` of `format` as document `source`. Reads the document's row
// for its version, so the caller holds the KB's ingestion lock until the document is written.
// `corpus_file`: the file a corpus record came from ("" for whole files), kept in the row so
// that --sync can tell which records left their file.
Result<PreparedDoc> Prepare(KnowledgeBase::Impl& impl, const std::string& source,
                            const std::string& bytes, Format format, const Json& metadata,
                            const ReadOptions& read, const std::string& corpus_file,
                            IngestSummary* times, const IngestStageCallback& on_stage = {}) {
  // Reports a stage's start, runs it, reports its end with its time; returns the time.
  auto stage = [&on_stage](std::string_view name, auto&& run) {
    if (on_stage) on_stage({name, false, 0});
    auto t = Clock::now();
    run();
    double ms = MsSince(t);
    if (on_stage) on_stage({name, true, ms});
    return ms;
  };
  PreparedDoc p;
  IngestResult& result = p.result;
  result.source = source;
  result.bytes = bytes.size();
  result.doc_id = DocIdForSource(source);
  const std::string hash = Sha256Hex(bytes);

  p.version = 1;
  auto existing = impl.docs->Get(PointId(result.doc_id), false);
  if (existing.ok()) {
    const Json& row = existing->payload;
    if (row.value("content_hash", "") == hash &&
        row.value("input_metadata", Json::object()) == metadata &&
        row.value("read_options", ReadOptions{}.ToJson()) == read.ToJson()) {
      result.status = "unchanged";
      result.chunks = row.value("chunks", size_t{0});
      return p;
    }
    p.version = row.value("version", int64_t{0}) + 1;
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  result.status = existing.ok() ? "updated" : "added";

  RAGDB_ASSIGN_OR_RETURN(ParseOptions parse_options,
                         ParseOptionsFor(read, impl.image_embedder != nullptr));
  Result<ParsedDocument> doc = Status::Internal("not parsed");
  times->parse_ms += stage("parse", [&] { doc = ParseBytes(bytes, format, parse_options); });
  if (!doc.ok()) return SkippedDoc(source, doc.status().message());
  doc->metadata.source = source;
  result.pages = doc->metadata.page_count;

  ChunkOptions copts;
  copts.size_tokens = impl.options.chunk_size;
  copts.overlap_tokens = impl.options.overlap;
  copts.mode =
      impl.options.mode == "parent-child" ? ChunkMode::kParentChild : ChunkMode::kRecursive;
  copts.parent_size_tokens = impl.options.parent_size;
  Result<ChunkSet> set = Status::Internal("not chunked");
  times->chunk_ms += stage("chunk", [&] { set = ChunkDocument(*doc, copts); });
  if (!set.ok()) return SkippedDoc(source, "chunking: " + set.status().message());
  if (set->chunks.empty() && (!impl.image_embedder || doc->images.empty())) {
    return SkippedDoc(source, "no text found");
  }

  // A corpus record's title comes with its metadata (its text has none).
  if (doc->metadata.title.empty() && metadata.contains("title") && metadata["title"].is_string()) {
    doc->metadata.title = metadata["title"].get<std::string>();
  }
  // What gets embedded: the title and heading path give a chunk the context its text lacks.
  std::vector<std::string> inputs;
  inputs.reserve(set->chunks.size());
  for (const Chunk& c : set->chunks) {
    std::string in = doc->metadata.title;
    for (const auto& h : c.heading_path) in += (in.empty() ? "" : " > ") + h;
    inputs.push_back(in.empty() ? c.text : in + "\n" + c.text);
  }
  Result<std::vector<std::vector<float>>> vectors = Status::Internal("not embedded");
  times->embed_ms += stage("embed", [&] { vectors = impl.embedder->Embed(inputs); });
  if (!vectors.ok()) return SkippedDoc(source, "embedding: " + vectors.status().message());

  Json doc_meta = metadata;
  if (!doc->metadata.title.empty() && !doc_meta.contains("title")) {
    doc_meta["title"] = doc->metadata.title;
  }
  doc_meta["format"] = std::string(FormatName(format));
  if (doc->metadata.page_count > 0) doc_meta["page_count"] = doc->metadata.page_count;

  p.chunks.reserve(set->chunks.size());
  for (size_t i = 0; i < set->chunks.size(); ++i) {
    const Chunk& c = set->chunks[i];
    Record r;
    r.id = PointId(ChunkId(result.doc_id, p.version, i));
    r.vectors[kDenseField] = std::move((*vectors)[i]);
    r.text = c.text;
    r.payload = {{"doc_id", result.doc_id}, {"version", p.version},
                 {"source", source},        {"chunk", i},
                 {"page", c.page},          {"heading_path", c.heading_path},
                 {"start", c.start},        {"end", c.end},
                 {"metadata", doc_meta}};
    if (c.parent >= 0 && static_cast<size_t>(c.parent) < set->parents.size()) {
      r.payload["parent_index"] = c.parent;
      r.payload["parent"] = set->parents[c.parent].text;
    }
    AddChunkPayload(c, *doc, &r.payload);
    p.chunks.push_back(std::move(r));
  }
  const auto t = Clock::now();  // pictures are embedded here, timed with the text's embedding
  auto pictures = PictureRecords(impl, *doc,
                                 {{"doc_id", result.doc_id},
                                  {"version", p.version},
                                  {"source", source},
                                  {"metadata", doc_meta}},
                                 result.doc_id, p.version, p.chunks.size());
  times->embed_ms += MsSince(t);
  if (!pictures.ok()) return SkippedDoc(source, "pictures: " + pictures.status().message());
  for (Record& r : *pictures) p.chunks.push_back(std::move(r));
  p.row.id = PointId(result.doc_id);
  p.row.text = source;
  p.row.payload = {
      {"kind", "document"},
      {"source", source},
      {"content_hash", hash},
      {"metadata", doc_meta},
      {"input_metadata", metadata},
      {"read_options", read.ToJson()},
      {"version", p.version},
      {"chunks", p.chunks.size()},
      {"bytes", bytes.size()},
      {"ingested_at", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count())}};
  if (!corpus_file.empty()) p.row.payload["file"] = corpus_file;
  result.chunks = p.chunks.size();
  p.write = true;
  return p;
}

// Older versions of the batch's documents (and orphans of an interrupted earlier attempt) are
// invisible once the rows name the new versions; drop them. One filtered scan for the whole
// batch (doc_id any of the batch's ids), not one per document: without a payload index in the
// growing segment, each scan reads every row, and a scan per document made ingestion quadratic.
Status DeleteOtherVersions(KnowledgeBase::Impl& impl, const std::vector<PreparedDoc*>& docs) {
  std::map<std::string, int64_t> current;
  Condition any;
  any.kind = Condition::Kind::kMatchAny;
  any.key = "doc_id";
  for (const PreparedDoc* d : docs) {
    current[d->result.doc_id] = d->version;
    any.values.push_back(Json(d->result.doc_id));
  }
  ScrollRequest req;
  req.filter = Filter{};
  req.filter->must.push_back(std::move(any));
  req.limit = 1 << 16;
  std::vector<PointId> stale;
  for (;;) {
    RAGDB_ASSIGN_OR_RETURN(ScrollPage page, impl.chunks->Scroll(req));
    for (const Record& r : page.records) {
      auto it = current.find(r.payload.value("doc_id", ""));
      if (it == current.end() || r.payload.value("version", int64_t{-1}) != it->second) {
        stale.push_back(r.id);
      }
    }
    if (!page.next_offset) break;
    req.offset = page.next_offset;
  }
  return impl.chunks->Delete(stale).status();
}

// Writes prepared documents in the crash-safe order, for all of them at once: every new chunk
// (one database write), then every document row (the commit point: readers see the new
// versions from here on), then the older versions are deleted. Two fsyncs for the batch
// instead of two per document. A document whose chunks the database refuses as input is marked
// skipped; the others are still written.
Status WriteBatch(KnowledgeBase::Impl& impl, std::vector<PreparedDoc*>& docs,
                  IngestSummary* times) {
  auto t = Clock::now();
  std::vector<PreparedDoc*> pending;
  for (PreparedDoc* d : docs) {
    if (d->write) pending.push_back(d);
  }
  if (pending.empty()) return Status::Ok();
  std::vector<Record> chunks;
  for (PreparedDoc* d : pending) {
    for (Record& r : d->chunks) chunks.push_back(std::move(r));
  }
  // All or nothing: Upsert validates the whole batch before writing any of it.
  Status st = impl.chunks->Upsert(chunks);
  if (!st.ok() && IsInputError(st) && pending.size() > 1) {
    // Find the culprit(s) one document at a time; the chunks moved above are handed back.
    size_t at = 0;
    std::vector<PreparedDoc*> written;
    for (PreparedDoc* d : pending) {
      std::vector<Record> own(std::make_move_iterator(chunks.begin() + at),
                              std::make_move_iterator(chunks.begin() + at + d->result.chunks));
      at += d->result.chunks;
      Status one = impl.chunks->Upsert(own);
      if (one.ok()) {
        written.push_back(d);
      } else if (IsInputError(one)) {
        d->write = false;
        d->result = Skipped(d->result.source, one.message());
      } else {
        return one;
      }
    }
    pending = std::move(written);
    st = Status::Ok();
  }
  if (!st.ok()) {
    if (!IsInputError(st)) return st;
    pending[0]->write = false;
    pending[0]->result = Skipped(pending[0]->result.source, st.message());
    pending.clear();
  }
  if (!pending.empty()) {
    std::vector<Record> rows;
    for (PreparedDoc* d : pending) rows.push_back(std::move(d->row));
    RAGDB_RETURN_IF_ERROR(impl.docs->Upsert(rows));
    RAGDB_RETURN_IF_ERROR(DeleteOtherVersions(impl, pending));
  }
  times->write_ms += MsSince(t);
  return Status::Ok();
}

// One document, prepared and written on its own.
Result<IngestResult> IngestOne(KnowledgeBase::Impl& impl, const std::string& source,
                               const std::string& bytes, Format format, const Json& metadata,
                               const ReadOptions& read = {},
                               const IngestStageCallback& on_stage = {}) {
  std::lock_guard<std::mutex> lock(impl.ingest_mu);
  IngestSummary times;
  RAGDB_ASSIGN_OR_RETURN(
      PreparedDoc p, Prepare(impl, source, bytes, format, metadata, read, "", &times, on_stage));
  if (!p.write) return p.result;
  std::vector<PreparedDoc*> one = {&p};
  if (on_stage) on_stage({"write", false, 0});
  RAGDB_RETURN_IF_ERROR(WriteBatch(impl, one, &times));
  if (on_stage) on_stage({"write", true, times.write_ms});
  return p.result;
}

// A file's source (absolute path), format, bytes and metadata; a skipped result when it cannot
// be read or has an unsupported type.
struct FileInput {
  std::string source;
  Format format = Format::kText;
  std::string bytes;
  Json metadata;
  std::optional<IngestResult> skipped;
};

FileInput ReadInput(const std::string& path) {
  FileInput in;
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(path, ec), ec);
  in.source = ec ? path : abs.string();
  auto format = FormatFromPath(in.source);
  if (!format.ok()) {
    in.skipped = Skipped(in.source, "unsupported file type");
    return in;
  }
  in.format = *format;
  auto bytes = ReadFile(in.source);
  if (!bytes.ok()) {
    in.skipped = Skipped(in.source, bytes.status().message());
    return in;
  }
  in.bytes = std::move(bytes).value();
  in.metadata = {{"file_name", abs.filename().string()}};
  return in;
}

}  // namespace

Result<IngestResult> KnowledgeBase::IngestFile(const std::string& path, const ReadOptions& read) {
  FileInput in = ReadInput(path);
  if (in.skipped) return *in.skipped;
  return IngestOne(*impl_, in.source, in.bytes, in.format, in.metadata, read);
}

Result<IngestResult> KnowledgeBase::IngestText(const std::string& source, const std::string& text,
                                               const Json& metadata,
                                               const IngestStageCallback& on_stage) {
  if (source.empty()) return Status::InvalidArgument("ingest_text: source must not be empty");
  Format format = Format::kText;
  auto by_ext = FormatFromPath(source);
  if (by_ext.ok() && (*by_ext == Format::kMarkdown || *by_ext == Format::kHtml)) format = *by_ext;
  Json meta = metadata.is_object() ? metadata : Json::object();
  return IngestOne(*impl_, source, text, format, meta, {}, on_stage);
}

Result<IngestResult> KnowledgeBase::IngestUpload(const std::string& source,
                                                 const std::string& file_name,
                                                 const std::string& bytes, const Json& metadata,
                                                 const ReadOptions& read,
                                                 const IngestStageCallback& on_stage) {
  if (source.empty()) return Status::InvalidArgument("upload: source must not be empty");
  auto format = FormatFromPath(file_name);
  if (!format.ok()) return Skipped(source, "unsupported file type: '" + file_name + "'");
  Json meta = metadata.is_object() ? metadata : Json::object();
  if (!meta.contains("file_name")) meta["file_name"] = fs::path(file_name).filename().string();
  return IngestOne(*impl_, source, bytes, *format, meta, read, on_stage);
}

Status KnowledgeBase::RemoveDocument(const std::string& source) {
  Status st = RemoveDocumentById(DocIdForSource(source));
  if (st.code() == StatusCode::kNotFound) {
    return Status::NotFound("no document with source '" + source + "'");
  }
  return st;
}

Status KnowledgeBase::RemoveDocumentById(const std::string& doc_id) {
  std::lock_guard<std::mutex> lock(impl_->ingest_mu);
  // The config row shares the collection; it is not a document.
  if (doc_id == kConfigRowId) return Status::NotFound("no document with id '" + doc_id + "'");
  PointId id(doc_id);
  RAGDB_ASSIGN_OR_RETURN(size_t n, impl_->docs->Delete(std::span<const PointId>(&id, 1)));
  if (n == 0) return Status::NotFound("no document with id '" + doc_id + "'");
  return impl_->chunks->DeleteByFilter(DocFilter(doc_id, std::nullopt)).status();
}

namespace {

// Files under `paths` (folders recursively, hidden entries skipped, sorted per folder); paths
// that cannot be listed or do not exist go to *skipped.
std::vector<std::string> CollectFiles(const std::vector<std::string>& paths,
                                      std::vector<IngestResult>* skipped) {
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
      if (ec) skipped->push_back(Skipped(p, "cannot list folder: " + ec.message()));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      skipped->push_back(Skipped(p, "no such file or folder"));
    }
  }
  return files;
}

// One document waiting to be prepared: a whole file, or one record of a corpus file.
struct PendingDoc {
  FileInput input;          // input.skipped set when it cannot be ingested
  std::string corpus_file;  // the corpus file of a record; "" for a whole file
};

// Reads `path` into one pending document, or one per record when it is a corpus.
std::vector<PendingDoc> ReadDocuments(const std::string& path, const IngestOptions& options) {
  std::vector<PendingDoc> out;
  FileInput in = ReadInput(path);
  if (in.skipped || options.whole_file || !IsCorpusFormat(in.format)) {
    out.push_back({std::move(in), ""});
    return out;
  }
  auto records =
      ReadCorpus(in.bytes, in.format, {options.id_field, options.title_field, options.text_field});
  if (!records.ok() || records->empty()) {
    // A JSON file holding one object is a document, not a corpus.
    if (!records.ok() && records.status().code() != StatusCode::kFailedPrecondition) {
      in.skipped = Skipped(in.source, records.status().message());
    } else if (records.ok()) {
      in.skipped = Skipped(in.source, "no records");
    }
    out.push_back({std::move(in), ""});
    return out;
  }
  out.reserve(records->size());
  for (CorpusRecord& r : *records) {
    PendingDoc d;
    d.corpus_file = in.source;
    d.input.source = in.source + "#" + r.id;
    d.input.format = Format::kText;
    d.input.bytes = std::move(r.text);
    d.input.metadata = std::move(r.metadata);
    d.input.metadata["file_name"] = in.metadata["file_name"];
    d.input.metadata["record_id"] = r.id;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

std::string SampleText(const std::vector<std::string>& paths, size_t max_bytes) {
  std::vector<IngestResult> ignored;
  std::string sample;
  constexpr size_t kFileBytes = 64 << 10;  // text formats: enough of each file to tell its script
  for (const std::string& path : CollectFiles(paths, &ignored)) {
    if (sample.size() >= max_bytes) break;
    auto format = FormatFromPath(path);
    if (!format.ok()) continue;
    auto bytes = ReadFile(path);
    if (!bytes.ok()) continue;
    const bool binary = *format == Format::kPdf || *format == Format::kDocx;
    if (!binary && bytes->size() > kFileBytes) {
      size_t cut = bytes->rfind('\n', kFileBytes);
      bytes->resize(cut == std::string::npos ? kFileBytes : cut);
    }
    auto doc = ParseBytes(*bytes, *format);
    // A text file cut short may not parse (a JSON array); its raw text still shows the script.
    const std::string text = doc.ok() ? doc->plain_text : (binary ? "" : *bytes);
    sample += text.substr(0, max_bytes - sample.size());
    sample += '\n';
  }
  return sample;
}

Result<IngestSummary> KnowledgeBase::IngestPaths(const std::vector<std::string>& paths,
                                                 const IngestOptions& options) {
  auto start = std::chrono::steady_clock::now();
  IngestSummary summary;
  const std::vector<std::string> files = CollectFiles(paths, &summary.skipped_files);
  summary.files = files.size();
  auto count = [&summary](const IngestResult& r) {
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
  };
  // For --sync: the sources each file produced in this run (one, or one per record).
  std::map<std::string, std::set<std::string>> produced;
  // Documents are prepared one by one and written in batches (bounded by documents and chunks
  // so memory stays small); the lock covers a batch from its first version read to its write.
  constexpr size_t kBatchDocs = 64, kBatchChunks = 4096;
  std::deque<PendingDoc> queue;
  size_t next_file = 0, done = 0, known = files.size();
  while (next_file < files.size() || !queue.empty()) {
    std::lock_guard<std::mutex> lock(impl_->ingest_mu);
    std::vector<PreparedDoc> batch;
    batch.reserve(kBatchDocs);
    std::set<std::string> in_batch;  // a source twice in one batch would race with itself
    size_t chunks = 0;
    while (batch.size() < kBatchDocs && chunks < kBatchChunks) {
      if (queue.empty()) {
        if (next_file == files.size()) break;
        auto t = Clock::now();
        std::vector<PendingDoc> docs = ReadDocuments(files[next_file++], options);
        summary.read_ms += MsSince(t);
        known = known - 1 + docs.size();  // never empty: a file gives at least a skip
        for (auto& d : docs) queue.push_back(std::move(d));
        continue;
      }
      PendingDoc& d = queue.front();
      FileInput& in = d.input;
      if (in.skipped) {
        batch.push_back(SkippedDoc(in.skipped->source, in.skipped->reason));
      } else {
        if (in_batch.count(in.source)) break;
        in_batch.insert(in.source);
        produced[d.corpus_file.empty() ? in.source : d.corpus_file].insert(in.source);
        RAGDB_ASSIGN_OR_RETURN(PreparedDoc p,
                               Prepare(*impl_, in.source, in.bytes, in.format, in.metadata,
                                       options.read, d.corpus_file, &summary));
        chunks += p.chunks.size();
        batch.push_back(std::move(p));
      }
      const std::string label = in.source;
      queue.pop_front();
      if (options.progress) options.progress(++done, known, label);
    }
    std::vector<PreparedDoc*> ptrs;
    for (auto& p : batch) ptrs.push_back(&p);
    RAGDB_RETURN_IF_ERROR(WriteBatch(*impl_, ptrs, &summary));
    for (const auto& p : batch) count(p.result);
  }
  if (options.sync) {
    RAGDB_ASSIGN_OR_RETURN(auto docs, ListDocuments());
    for (const Json& d : docs) {
      std::string source = d.value("source", "");
      // Only documents that came from files (absolute paths) can have "gone" files.
      if (source.empty() || source[0] != '/') continue;
      const std::string file = d.value("file", source);
      auto made = produced.find(file);
      const bool gone =
          !FileExists(file) || (made != produced.end() && made->second.count(source) == 0);
      if (!gone) continue;
      RAGDB_RETURN_IF_ERROR(RemoveDocument(source));
      ++summary.removed;
    }
  }
  summary.skipped = summary.skipped_files.size();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace ragdb::rag
