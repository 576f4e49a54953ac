// Knowledge bases: the one-stop RAG pipeline on top of ragdb collections (issue #7).
//
//   RAGDB_ASSIGN_OR_RETURN(auto db, ragdb::Database::Open("./data"));
//   RAGDB_ASSIGN_OR_RETURN(auto kb, ragdb::rag::KnowledgeBase::OpenOrCreate(*db, "docs", {}));
//   RAGDB_ASSIGN_OR_RETURN(auto summary, kb->IngestPaths({"./manuals"}, {}));
//   RAGDB_ASSIGN_OR_RETURN(auto chunks, kb->Retrieve("how do I install it?", {}));
//   RAGDB_ASSIGN_OR_RETURN(auto answer, ragdb::rag::Ask(*kb, "how do I install it?", {}));
//
// Storage (docs/rag.md): a knowledge base K is two collections of the database,
//   kb.K       chunks: BM25 text, a dense vector "dense" from the KB's embedder, with a sparse
//              embedder also a learned sparse vector "sparse" (filled from the chunk's text by the
//              collection, docs/models.md), payload with
//              doc_id, version, source, page, heading_path, chunk, start, end, parent, kind
//              (text | table | image), table (sheet, rows), ocr + bbox; with an image embedder,
//              also the pictures found in documents: a vector "image" from the image model,
//              their caption and surrounding text as the text, a thumbnail in the payload
//   kb.K.docs  one row per source document (id = doc_id): source, content_hash, metadata,
//              version, chunk count; plus the row "_config" holding the KB's options.
// The document row is the commit point of an ingestion: chunks are written first under a new
// version, then the row names that version, then older versions are deleted. Readers drop chunks
// whose version is not the row's, so a crash at any step never shows a mix of old and new chunks.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/database.h"
#include "ragdb/filter.h"
#include "ragdb/json.h"
#include "ragdb/model.h"
#include "ragdb/status.h"

namespace ragdb::rag {

// Fixed when the knowledge base is created (chunks of one KB must be comparable).
struct KbOptions {
  size_t chunk_size = 400;  // tokens (approximate counter)
  size_t overlap = 60;
  std::string mode = "recursive";  // recursive | parent-child
  size_t parent_size = 1600;       // parent-child only
  // "auto": chosen at creation from the first texts: bge-small-en-v1.5, or
  // multilingual-e5-small for mostly non-Latin text (Chinese...), pulled on first use; "hash"
  // when it cannot be pulled. The choice is what gets stored. Else a model name or folder,
  // "hash" or "hash:DIM".
  std::string embedder = "auto";
  // "" = none; "clip:MODEL": pictures in documents (and image files) are stored and embedded
  // with this image-text model, and retrieval also searches them with the question's text.
  std::string image_embedder;
  // "" = none; "splade:MODEL" or "bge-m3-sparse:MODEL": chunks also get learned sparse vectors,
  // and hybrid retrieval fuses a third search over them (RetrieveOptions::sparse_weight).
  std::string sparse_embedder;

  Json ToJson() const;
  static Result<KbOptions> FromJson(const Json& j);
};

struct KbInfo {
  std::string name;
  KbOptions options;
  size_t documents = 0;
  size_t chunks = 0;  // live chunk records (stale versions included until cleaned)
  Json ToJson() const;
};

// One document's outcome in an ingestion.
struct IngestResult {
  std::string source;
  std::string status;  // added | updated | unchanged | skipped | removed
  std::string reason;  // skipped: why
  std::string doc_id;
  size_t chunks = 0;
  size_t bytes = 0;
  int pages = 0;
};

struct IngestSummary {
  size_t files = 0;  // files looked at
  size_t added = 0, updated = 0, unchanged = 0, skipped = 0, removed = 0;
  size_t chunks = 0;  // chunks written by this run
  size_t bytes = 0;   // bytes of the files parsed
  size_t pages = 0;   // PDF pages parsed
  double seconds = 0;
  // Milliseconds per stage, summed over files: read, parse, chunk, embed, write (the writes
  // are batched: several documents per database write and fsync).
  double read_ms = 0, parse_ms = 0, chunk_ms = 0, embed_ms = 0, write_ms = 0;
  std::vector<IngestResult> skipped_files;
  Json ToJson() const;
};

// One document's progress through ingestion, for progress displays: `stage` is "parse",
// "chunk", "embed" or "write"; reported with done = false when the stage starts and done = true
// (with its milliseconds) when it ends. An unchanged document reports no stage.
struct IngestStage {
  std::string_view stage;
  bool done = false;
  double ms = 0;
};
using IngestStageCallback = std::function<void(const IngestStage&)>;
// How documents are read (issue #16).
struct ReadOptions {
  // auto: OCR image files, pictures holding text, and PDF pages whose text layer is empty or
  // garbage; always: OCR every PDF page and picture; never: no OCR.
  std::string ocr = "auto";
  std::string ocr_languages = "eng+chi_sim";  // Tesseract languages joined by '+'
  Json ToJson() const;
};

struct IngestOptions {
  // Also remove documents whose source file no longer exists, and records that are no longer in
  // their corpus file.
  bool sync = false;
  ReadOptions read;
  // JSON Lines, JSON array and CSV files are corpora: one document per record, with source
  // "FILE#ID" (docs/rag.md). whole_file = true ingests each as one document instead.
  bool whole_file = false;
  // The record fields holding the id, the title and the text; "" = the usual names (id / _id /
  // doc_id, title / name, text / content / body / abstract).
  std::string id_field, title_field, text_field;
  // Called after each document with (documents done, documents known so far, current path); a
  // corpus file adds its records to the total when it is read.
  std::function<void(size_t, size_t, const std::string&)> progress;
};

// Up to `max_bytes` of the text of the first files under `paths`, parsed as ingestion would,
// for choosing the "auto" embedder of a new knowledge base (KnowledgeBase::Create).
std::string SampleText(const std::vector<std::string>& paths, size_t max_bytes = 16384);

// Which searches retrieval runs: all fused (hybrid: dense, BM25, and the learned sparse search
// when the knowledge base has a sparse embedder), or one alone (its own score is kept).
enum class RetrieveMode { kHybrid, kDense, kBm25, kSparse };
// How hybrid retrieval fuses: reciprocal rank (weight / (60 + rank)) or weighted min-max
// normalized scores.
enum class RetrieveFusion { kRrf, kWeighted };

struct RetrieveOptions {
  size_t k = 5;                  // context items returned
  size_t candidates = 0;         // fused candidates fetched; 0 = max(4k, 20)
  std::optional<Filter> filter;  // on chunk payloads (source, page, doc_id, metadata.*)
  std::string reranker;          // cross-encoder folder; empty = none
  size_t max_per_document = 3;   // context items per document
  size_t token_budget = 3000;    // total approximate tokens of the returned texts; 0 = none
  bool merge_neighbors = true;   // join adjacent chunks of one document into one item
  double dedup_threshold = 0.9;  // word-set Jaccard above which a chunk is a near-duplicate
  RetrieveMode mode = RetrieveMode::kHybrid;
  RetrieveFusion fusion = RetrieveFusion::kRrf;  // hybrid only
  double dense_weight = 1;                       // hybrid: the dense search's weight
  double bm25_weight = 1;                        // hybrid: the BM25 search's weight
  double sparse_weight = 1;  // hybrid: the learned sparse search's weight (with a sparse embedder)
  // With an image embedder: also search the stored pictures by the query's image-text
  // embedding, so pictures are returned beside text.
  bool images = true;
  bool with_thumbnails = false;  // keep the pictures' thumbnails in RetrievedChunk::image
};

struct RetrievedChunk {
  std::string chunk_id;  // of the best chunk of the item (merged items list all in chunk_ids)
  std::vector<std::string> chunk_ids;
  std::string doc_id;
  std::string source;
  int page = 0;
  std::vector<std::string> heading_path;
  size_t chunk_index = 0;
  size_t start = 0, end = 0;
  // Fused (hybrid), cosine (dense), BM25 (bm25), dot product (sparse), or the reranker's.
  double score = 0;
  double dense_score = 0;     // cosine between the query and the chunk's embedding
  bool bm25_match = false;    // the chunk matched the BM25 sub-query
  std::string text;           // the chunk (or merged chunks; the parent in parent-child mode)
  Json metadata;              // the document's metadata
  std::string kind = "text";  // text | table | image
  // OCR'd text: its box on the page (PDF points or image pixels, top-left origin), else empty.
  bool ocr = false;
  std::vector<float> bbox;
  // Tables: {"sheet", "first_row", "first_col", "rows": [first, last]} (grid coordinates when
  // the table has them); pictures: {"name", "width", "height", "caption", "thumbnail"}.
  Json table;
  Json image;
  Json ToJson() const;
};

// A chunk as stored, for browsing (KnowledgeBase::DocumentChunks and GetChunk).
struct StoredChunk {
  std::string chunk_id;
  std::string doc_id;
  int64_t version = 0;
  size_t index = 0;  // position in the document, from 0
  std::string source;
  int page = 0;  // 1-based for PDFs, 0 for formats without pages
  std::vector<std::string> heading_path;
  size_t start = 0, end = 0;  // UTF-8 byte offsets into the document's plain text
  std::string text;
  std::string parent;  // parent-child mode: the parent's text
  Json metadata;       // the document's
  Json ToJson() const;
};

// A page of document rows (KnowledgeBase::ListDocuments with a limit).
struct DocumentPage {
  std::vector<Json> documents;
  std::string next_offset;  // doc_id of the next page's first row; empty on the last page
};

// Timings of one retrieval, in milliseconds.
struct RetrieveStats {
  double embed_ms = 0, search_ms = 0, rerank_ms = 0, assemble_ms = 0;
};

class KnowledgeBase {
 public:
  ~KnowledgeBase();

  // Names: 1..200 characters of [A-Za-z0-9_-].
  static Status ValidateName(const std::string& name);
  // `sample_text`: the first texts to be ingested, from which embedder "auto" picks a model
  // (SampleText reads them from files). When the chosen default model cannot be downloaded the
  // KB gets "hash", and a warning says so and how to pull the model.
  static Result<std::unique_ptr<KnowledgeBase>> Create(Database& db, const std::string& name,
                                                       const KbOptions& options,
                                                       std::string_view sample_text = {});
  static Result<std::unique_ptr<KnowledgeBase>> Open(Database& db, const std::string& name);
  // Opens K; creates it with `options` when it does not exist.
  static Result<std::unique_ptr<KnowledgeBase>> OpenOrCreate(Database& db, const std::string& name,
                                                             const KbOptions& options,
                                                             std::string_view sample_text = {});
  static std::vector<std::string> List(const Database& db);
  static Status Drop(Database& db, const std::string& name);

  const std::string& name() const;
  const KbOptions& options() const;
  // False once the KB's collections were dropped (or dropped and created again) behind this
  // handle's back: a cache of handles must then open it afresh.
  bool IsCurrent() const;
  Result<KbInfo> Describe() const;

  // Files and folders (recursive). A file that cannot be parsed is skipped with its reason;
  // only database failures abort the batch.
  Result<IngestSummary> IngestPaths(const std::vector<std::string>& paths,
                                    const IngestOptions& options);
  // One file; status "skipped" (with reason) when it cannot be read or parsed.
  Result<IngestResult> IngestFile(const std::string& path, const ReadOptions& read = {});
  // In-memory text (Markdown when source ends in .md, HTML for .html, else plain text).
  // `source` identifies the document: the same source again replaces it.
  Result<IngestResult> IngestText(const std::string& source, const std::string& text,
                                  const Json& metadata = Json::object(),
                                  const IngestStageCallback& on_stage = {});
  // Uploaded bytes of a file named `file_name` (its extension picks the parser: .pdf, .docx,
  // .html, .md, .csv, .json, .txt, .xlsx, .pptx, .png, .jpg, .webp, .tiff); `source` identifies
  // the document as for IngestText.
  Result<IngestResult> IngestUpload(const std::string& source, const std::string& file_name,
                                    const std::string& bytes, const Json& metadata = Json::object(),
                                    const ReadOptions& read = {},
                                    const IngestStageCallback& on_stage = {});
  // Removes a document and its chunks; NotFound when the source is unknown.
  Status RemoveDocument(const std::string& source);
  // The same by document id (IngestResult::doc_id, "doc_id" of ListDocuments).
  Status RemoveDocumentById(const std::string& doc_id);
  // All document rows (payloads), in id order.
  Result<std::vector<Json>> ListDocuments() const;
  // One page of document rows in id order, from `offset` (a doc_id, inclusive; empty = the
  // first); for browsing knowledge bases too large to list at once.
  Result<DocumentPage> ListDocuments(const std::string& offset, size_t limit) const;
  // The document row (payload with "doc_id"); NotFound when unknown.
  Result<Json> GetDocument(const std::string& doc_id) const;
  // Chunks [first, first + limit) of the document's committed version, in reading order.
  Result<std::vector<StoredChunk>> DocumentChunks(const std::string& doc_id, size_t first,
                                                  size_t limit) const;
  // A chunk by id (RetrievedChunk::chunk_id, Citation::chunk_id); NotFound when unknown or
  // when it belongs to a version that is no longer its document's (a replaced document).
  Result<StoredChunk> GetChunk(const std::string& chunk_id) const;

  // Hybrid retrieval -> optional rerank -> context assembly.
  Result<std::vector<RetrievedChunk>> Retrieve(const std::string& query,
                                               const RetrieveOptions& options,
                                               RetrieveStats* stats = nullptr) const;

  struct Impl;

 private:
  explicit KnowledgeBase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An OpenAI-compatible chat endpoint, or a local model: model = "local:NAME" (an installed
// model, a .gguf file or a model folder) answers in-process, without base_url.
struct LlmConfig {
  std::string base_url;  // e.g. https://api.openai.com/v1 (…/chat/completions is appended)
  std::string model;
  std::string api_key;     // sent as a Bearer token when set
  int timeout_ms = 60000;  // connect + each read
  double temperature = 0.1;
  size_t max_tokens = 512;
  bool local() const { return model.size() > 6 && model.compare(0, 6, "local:") == 0; }
  bool enabled() const { return !base_url.empty() || local(); }
  // RAGDB_LLM_BASE_URL / RAGDB_LLM_MODEL / RAGDB_LLM_API_KEY / RAGDB_LLM_TIMEOUT_MS override
  // the JSON file `config_path` ({"base_url", "model", "api_key", "timeout_ms"}) when it exists.
  static Result<LlmConfig> FromEnvAndFile(const std::string& config_path);
};

struct Citation {
  int n = 0;
  std::string source;
  int page = 0;
  std::string chunk_id;
  double score = 0;
  std::string snippet;
  std::string kind = "text";  // text | table | image
  // OCR'd text: where on the page (empty otherwise).
  std::vector<float> bbox;
  // A table answer: the cell it came from ("Revenue!D3", or "row 2, column 'Weekly riders'").
  std::string cell;
  Json ToJson() const;
};

struct Answer {
  std::string answer;
  std::vector<Citation> citations;
  std::string mode;  // "llm" | "extractive"
  // Milliseconds per stage: embed, search, rerank, assemble, generate, total.
  Json timings = Json::object();
  Json ToJson(bool with_timings = false) const;
};

// A turn of the conversation before the question (chat clients send the whole conversation).
struct ConversationTurn {
  std::string role;  // "user" or "assistant"
  std::string content;
};

struct AskOptions {
  RetrieveOptions retrieve;
  // Earlier turns, oldest first. The LLM sees them between its instructions and the question
  // with its sources, so a follow-up is answered in context. Retrieval uses the question; when
  // nothing relevant is found (a follow-up such as "tell me more"), it is retried with the
  // previous user turn and the question together.
  std::vector<ConversationTurn> history;
  LlmConfig llm;  // disabled = extractive answers
  // Streaming: called with each piece of generated text as it arrives (LLM mode only).
  std::function<void(const std::string&)> on_token;
  size_t extractive_sentences = 3;
  // A chunk counts as relevant when it matched BM25 on a content word of the question or its
  // dense similarity reaches this.
  double min_dense_score = 0.5;
};

Result<Answer> Ask(const KnowledgeBase& kb, const std::string& question, const AskOptions& options);

// Retrieval quality on a JSON Lines file of {"question": .., "expected_sources": [..]}: a hit is
// a retrieved item whose source ends with one of the expected sources (so "guide.md" matches
// "/data/docs/guide.md").
struct EvalReport {
  size_t questions = 0;
  size_t k = 0;
  double hit_rate = 0;  // fraction with an expected source in the top k
  double mrr = 0;       // mean of 1 / rank of the first expected source (0 when absent)
  double mean_latency_ms = 0;
  std::vector<Json> per_question;
  Json ToJson(bool with_details) const;
};
Result<EvalReport> EvaluateKb(const KnowledgeBase& kb, const std::string& jsonl_path,
                              const RetrieveOptions& options);

}  // namespace ragdb::rag
