// Knowledge bases: creation, lookup, description and removal (ingestion is in kb_ingest.cc,
// retrieval in retriever.cc).
#include <algorithm>

#include "base/log.h"
#include "model/default_models.h"
#include "rag/kb_internal.h"
#include "rag/sha256.h"
#include "ragdb/rag.h"

namespace ragdb::rag {

Json KbOptions::ToJson() const {
  return {{"chunk_size", chunk_size},
          {"overlap", overlap},
          {"mode", mode},
          {"parent_size", parent_size},
          {"embedder", embedder},
          {"image_embedder", image_embedder},
          {"sparse_embedder", sparse_embedder}};
}

Result<KbOptions> KbOptions::FromJson(const Json& j) {
  if (!j.is_object()) return Status::Corruption("knowledge base options: not a JSON object");
  KbOptions o;
  try {
    o.chunk_size = j.value("chunk_size", o.chunk_size);
    o.overlap = j.value("overlap", o.overlap);
    o.mode = j.value("mode", o.mode);
    o.parent_size = j.value("parent_size", o.parent_size);
    o.embedder = j.value("embedder", std::string("hash"));  // the default before "auto"
    o.image_embedder = j.value("image_embedder", o.image_embedder);
    o.sparse_embedder = j.value("sparse_embedder", o.sparse_embedder);
  } catch (const Json::exception& e) {
    return Status::Corruption(std::string("knowledge base options: ") + e.what());
  }
  return o;
}

Json KbInfo::ToJson() const {
  return {
      {"name", name}, {"options", options.ToJson()}, {"documents", documents}, {"chunks", chunks}};
}

std::string DocIdForSource(const std::string& source) {
  return "d" + Sha256Hex(source).substr(0, 16);
}

std::string ChunkId(const std::string& doc_id, int64_t version, size_t index) {
  return doc_id + "-v" + std::to_string(version) + "-" + std::to_string(index);
}

KnowledgeBase::KnowledgeBase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KnowledgeBase::~KnowledgeBase() = default;

const std::string& KnowledgeBase::name() const { return impl_->name; }
const KbOptions& KnowledgeBase::options() const { return impl_->options; }

bool KnowledgeBase::IsCurrent() const {
  auto docs = impl_->db->GetCollection(DocsCollectionName(impl_->name));
  auto chunks = impl_->db->GetCollection(ChunksCollectionName(impl_->name));
  return docs.ok() && chunks.ok() && *docs == impl_->docs && *chunks == impl_->chunks;
}

Status KnowledgeBase::ValidateName(const std::string& name) {
  // No dots: "kb.K.docs" must not be mistaken for the chunks collection of a KB named "K.docs".
  bool ok =
      !name.empty() && name.size() <= 200 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
      });
  if (!ok) {
    return Status::InvalidArgument("knowledge base name '" + name +
                                   "': use 1..200 characters of letters, digits, '_' and '-'");
  }
  return Status::Ok();
}

namespace {

Status ValidateOptions(const KbOptions& o) {
  if (o.mode != "recursive" && o.mode != "parent-child") {
    return Status::InvalidArgument("--mode must be recursive or parent-child, not '" + o.mode +
                                   "'");
  }
  if (o.chunk_size == 0) return Status::InvalidArgument("--chunk-size must be positive");
  if (o.overlap >= o.chunk_size) {
    return Status::InvalidArgument("--overlap must be smaller than --chunk-size");
  }
  if (o.mode == "parent-child" && o.parent_size < o.chunk_size) {
    return Status::InvalidArgument("parent size must be at least the chunk size");
  }
  const std::string_view kind = SparseEmbedderKind(o.sparse_embedder);
  if (!o.sparse_embedder.empty() && (kind.empty() || kind.size() == o.sparse_embedder.size())) {
    return Status::InvalidArgument(
        "--sparse-embedder must be splade:MODEL or "
        "bge-m3-sparse:MODEL, not '" +
        o.sparse_embedder + "'");
  }
  return Status::Ok();
}

Result<std::unique_ptr<KnowledgeBase::Impl>> LoadImpl(Database& db, const std::string& name) {
  auto impl = std::make_unique<KnowledgeBase::Impl>();
  impl->db = &db;
  impl->name = name;
  auto docs = db.GetCollection(DocsCollectionName(name));
  auto chunks = db.GetCollection(ChunksCollectionName(name));
  if (!docs.ok() || !chunks.ok()) {
    return Status::NotFound("knowledge base '" + name + "' does not exist");
  }
  impl->docs = *docs;
  impl->chunks = *chunks;
  auto config = impl->docs->Get(PointId(kConfigRowId), false);
  if (!config.ok()) {
    return Status::FailedPrecondition("knowledge base '" + name +
                                      "' is incomplete (its creation was interrupted); drop it "
                                      "and create it again");
  }
  RAGDB_ASSIGN_OR_RETURN(impl->options,
                         KbOptions::FromJson(config->payload.value("options", Json())));
  auto embedder = Embedder::Load(impl->options.embedder);
  if (!embedder.ok()) return embedder.status().WithContext("knowledge base '" + name + "'");
  impl->embedder = std::move(embedder).value();
  // A copy: schema() returns by value, and the field pointers below point into it.
  const CollectionSchema schema = impl->chunks->schema();
  const VectorField* field = schema.FindVector(kDenseField);
  if (field == nullptr || field->dim != impl->embedder->dim()) {
    return Status::FailedPrecondition("knowledge base '" + name + "': embedder '" +
                                      impl->options.embedder +
                                      "' does not match the stored vectors' dimension");
  }
  if (!impl->options.image_embedder.empty()) {
    auto images = Embedder::Load(impl->options.image_embedder);
    if (!images.ok()) return images.status().WithContext("knowledge base '" + name + "'");
    impl->image_embedder = std::move(images).value();
    const VectorField* f = schema.FindVector(kImageField);
    if (f == nullptr || f->dim != impl->image_embedder->dim()) {
      return Status::FailedPrecondition("knowledge base '" + name + "': image embedder '" +
                                        impl->options.image_embedder +
                                        "' does not match the stored image vectors");
    }
  }
  // The sparse field embeds with its own embedder (loaded by the collection on first use).
  const bool has_sparse = std::any_of(
      schema.sparse_vectors.begin(), schema.sparse_vectors.end(),
      [](const SparseVectorField& f) { return f.name == kSparseField && !f.embedder.empty(); });
  if (has_sparse != !impl->options.sparse_embedder.empty()) {
    return Status::FailedPrecondition("knowledge base '" + name + "': sparse embedder '" +
                                      impl->options.sparse_embedder +
                                      "' does not match the stored chunks");
  }
  return impl;
}

}  // namespace

Result<std::unique_ptr<KnowledgeBase>> KnowledgeBase::Create(Database& db, const std::string& name,
                                                             const KbOptions& requested,
                                                             std::string_view sample_text) {
  RAGDB_RETURN_IF_ERROR(ValidateName(name));
  RAGDB_RETURN_IF_ERROR(ValidateOptions(requested));
  if (db.GetCollection(DocsCollectionName(name)).ok() ||
      db.GetCollection(ChunksCollectionName(name)).ok()) {
    return Status::AlreadyExists("knowledge base '" + name + "' already exists");
  }
  KbOptions options = requested;
  if (options.embedder == kAutoEmbedder) {
    AutoEmbedder chosen = ResolveAutoEmbedder(sample_text);
    options.embedder = chosen.spec;
    if (!chosen.fallback.empty()) {
      const std::string wanted(model::ChooseDefaultModel(sample_text).name);
      log::Warn("kb.embedder_fallback",
                chosen.fallback + ". Knowledge base '" + name +
                    "' falls back to the lexical hash embedder, which matches shared words only, "
                    "and keeps it (queries must use the model the chunks were embedded with). "
                    "For the semantic model: pull it, then `ragdb kb drop " +
                    name + "` and ingest again",
                {{"kb", name}, {"model", wanted}});
    } else {
      log::Info("kb.embedder", "knowledge base '" + name + "' embeds with " + options.embedder,
                {{"kb", name}, {"model", options.embedder}});
    }
  }
  // Load the embedder first: a bad --embedder must not leave collections behind.
  RAGDB_ASSIGN_OR_RETURN(auto embedder, Embedder::Load(options.embedder));
  CollectionSchema chunk_schema;
  VectorField dense;
  dense.name = kDenseField;
  dense.dim = static_cast<uint32_t>(embedder->dim());
  dense.metric = Metric::kCosine;
  chunk_schema.vectors.push_back(dense);
  std::unique_ptr<Embedder> images;
  if (!options.image_embedder.empty()) {
    RAGDB_ASSIGN_OR_RETURN(images, Embedder::Load(options.image_embedder));
    if (!images->embeds_images()) {
      return Status::InvalidArgument("--image-embedder '" + options.image_embedder +
                                     "' does not embed images (use clip:MODEL)");
    }
    // The KB embeds the pictures itself (the field has no embedding function): text chunks must
    // not get a vector in the picture space.
    VectorField pictures;
    pictures.name = kImageField;
    pictures.dim = static_cast<uint32_t>(images->dim());
    pictures.metric = Metric::kCosine;
    chunk_schema.vectors.push_back(pictures);
  }
  if (!options.sparse_embedder.empty()) {
    // Loaded once to refuse a bad model now; the collection loads its own on first use and fills
    // each chunk's sparse vector from its text.
    SparseEmbedderOptions probe;
    probe.threads = 1;
    RAGDB_RETURN_IF_ERROR(SparseEmbedder::Load(options.sparse_embedder, probe).status());
    chunk_schema.sparse_vectors.push_back({kSparseField, options.sparse_embedder});
  }
  chunk_schema.text = TextField{};
  chunk_schema.payload_indexes.push_back({"doc_id", PayloadType::kKeyword});
  chunk_schema.payload_indexes.push_back({"source", PayloadType::kKeyword});
  CollectionSchema doc_schema;
  TextField keyword;
  keyword.analyzer = "keyword";  // the source path, so documents can be found by exact source
  doc_schema.text = keyword;
  doc_schema.payload_indexes.push_back({"kind", PayloadType::kKeyword});
  RAGDB_ASSIGN_OR_RETURN(auto chunks,
                         db.CreateCollection(ChunksCollectionName(name), chunk_schema));
  auto docs = db.CreateCollection(DocsCollectionName(name), doc_schema);
  if (!docs.ok()) {
    (void)db.DropCollection(ChunksCollectionName(name));
    return docs.status();
  }
  // The config row comes last: a KB without it is reported as incomplete by Open.
  Record config;
  config.id = PointId(kConfigRowId);
  config.payload = {
      {"kind", "config"}, {"options", options.ToJson()}, {"embedder_name", embedder->name()}};
  config.text = "";
  Status st = (*docs)->Upsert(std::span<const Record>(&config, 1));
  if (!st.ok()) {
    (void)db.DropCollection(DocsCollectionName(name));
    (void)db.DropCollection(ChunksCollectionName(name));
    return st;
  }
  auto impl = std::make_unique<Impl>();
  impl->db = &db;
  impl->name = name;
  impl->options = options;
  impl->chunks = chunks;
  impl->docs = *docs;
  impl->embedder = std::move(embedder);
  impl->image_embedder = std::move(images);
  return std::unique_ptr<KnowledgeBase>(new KnowledgeBase(std::move(impl)));
}

Result<std::unique_ptr<KnowledgeBase>> KnowledgeBase::Open(Database& db, const std::string& name) {
  RAGDB_RETURN_IF_ERROR(ValidateName(name));
  RAGDB_ASSIGN_OR_RETURN(auto impl, LoadImpl(db, name));
  return std::unique_ptr<KnowledgeBase>(new KnowledgeBase(std::move(impl)));
}

Result<std::unique_ptr<KnowledgeBase>> KnowledgeBase::OpenOrCreate(Database& db,
                                                                   const std::string& name,
                                                                   const KbOptions& options,
                                                                   std::string_view sample_text) {
  auto kb = Open(db, name);
  if (kb.ok() || kb.status().code() != StatusCode::kNotFound) return kb;
  return Create(db, name, options, sample_text);
}

std::vector<std::string> KnowledgeBase::List(const Database& db) {
  std::vector<std::string> names = db.ListCollections();
  std::vector<std::string> out;
  for (const auto& n : names) {
    const std::string suffix = ".docs";
    if (n.rfind("kb.", 0) != 0 || n.size() <= 3 + suffix.size() ||
        n.compare(n.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    std::string kb = n.substr(3, n.size() - 3 - suffix.size());
    if (ValidateName(kb).ok() &&
        std::find(names.begin(), names.end(), ChunksCollectionName(kb)) != names.end()) {
      out.push_back(kb);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status KnowledgeBase::Drop(Database& db, const std::string& name) {
  RAGDB_RETURN_IF_ERROR(ValidateName(name));
  bool docs = db.GetCollection(DocsCollectionName(name)).ok();
  bool chunks = db.GetCollection(ChunksCollectionName(name)).ok();
  if (!docs && !chunks) return Status::NotFound("knowledge base '" + name + "' does not exist");
  // Docs first: without its docs collection the KB is no longer listed, even if the process
  // stops before the chunks are gone.
  if (docs) RAGDB_RETURN_IF_ERROR(db.DropCollection(DocsCollectionName(name)));
  if (chunks) RAGDB_RETURN_IF_ERROR(db.DropCollection(ChunksCollectionName(name)));
  return Status::Ok();
}

namespace {
Filter KindFilter(const std::string& kind) {
  Filter f;
  Condition c;
  c.kind = Condition::Kind::kMatch;
  c.key = "kind";
  c.values = {Json(kind)};
  f.must.push_back(c);
  return f;
}
}  // namespace

Result<KbInfo> KnowledgeBase::Describe() const {
  KbInfo info;
  info.name = impl_->name;
  info.options = impl_->options;
  Filter f = KindFilter("document");
  RAGDB_ASSIGN_OR_RETURN(info.documents, impl_->docs->Count(&f));
  RAGDB_ASSIGN_OR_RETURN(info.chunks, impl_->chunks->Count());
  return info;
}

Result<std::vector<Json>> KnowledgeBase::ListDocuments() const {
  std::vector<Json> out;
  std::string offset;
  do {
    RAGDB_ASSIGN_OR_RETURN(DocumentPage page, ListDocuments(offset, 1000));
    for (Json& d : page.documents) out.push_back(std::move(d));
    offset = std::move(page.next_offset);
  } while (!offset.empty());
  return out;
}

Result<DocumentPage> KnowledgeBase::ListDocuments(const std::string& offset, size_t limit) const {
  ScrollRequest req;
  req.filter = KindFilter("document");
  req.limit = std::max<size_t>(limit, 1);
  if (!offset.empty()) req.offset = PointId(offset);
  RAGDB_ASSIGN_OR_RETURN(ScrollPage scrolled, impl_->docs->Scroll(req));
  DocumentPage page;
  page.documents.reserve(scrolled.records.size());
  for (auto& r : scrolled.records) {
    Json row = std::move(r.payload);
    row["doc_id"] = r.id.ToString();
    page.documents.push_back(std::move(row));
  }
  if (scrolled.next_offset) page.next_offset = scrolled.next_offset->ToString();
  return page;
}

}  // namespace ragdb::rag
