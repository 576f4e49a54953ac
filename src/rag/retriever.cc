// Retrieval: hybrid search (BM25 + dense, and learned sparse with a sparse embedder, fused by
// Collection::Query with RRF or weighted scores; or one of them alone) -> stale-version
// filtering -> optional cross-encoder rerank -> context assembly (near-duplicate removal,
// per-document cap, merging of neighbouring chunks, token budget).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "rag/kb_internal.h"
#include "rag/terms.h"
#include "rag/token_counter.h"
#include "ragdb/rag.h"

namespace ragdb::rag {
namespace {

using Clock = std::chrono::steady_clock;
double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Candidate {
  RetrievedChunk chunk;
  int64_t version = 0;
  std::string parent_key;  // parent-child: doc_id + parent index; empty otherwise
  std::string parent_text;
};

Candidate FromHit(const ScoredPoint& h, const std::vector<float>& qvec) {
  Candidate c;
  const Json& p = h.payload;
  RetrievedChunk& r = c.chunk;
  r.chunk_id = h.id.ToString();
  r.chunk_ids = {r.chunk_id};
  r.doc_id = p.value("doc_id", "");
  r.source = p.value("source", "");
  r.page = p.value("page", 0);
  if (p.contains("heading_path") && p["heading_path"].is_array()) {
    for (const auto& x : p["heading_path"]) {
      if (x.is_string()) r.heading_path.push_back(x.get<std::string>());
    }
  }
  r.chunk_index = p.value("chunk", size_t{0});
  r.start = p.value("start", size_t{0});
  r.end = p.value("end", size_t{0});
  r.score = h.score;
  r.text = h.text.value_or("");
  r.metadata = p.value("metadata", Json::object());
  r.kind = p.value("kind", "text");
  r.ocr = p.value("ocr", false);
  if (p.contains("bbox") && p["bbox"].is_array()) {
    for (const auto& x : p["bbox"]) r.bbox.push_back(x.is_number() ? x.get<float>() : 0.0f);
  }
  if (p.contains("table")) r.table = p["table"];
  if (p.contains("image")) r.image = p["image"];
  c.version = p.value("version", int64_t{0});
  if (p.contains("parent") && p["parent"].is_string()) {
    c.parent_text = p["parent"].get<std::string>();
    c.parent_key = r.doc_id + "#" + std::to_string(p.value("parent_index", 0));
  }
  auto it = h.vectors.find(kDenseField);
  if (it != h.vectors.end() && it->second.size() == qvec.size()) {
    double dot = 0, n1 = 0, n2 = 0;
    for (size_t i = 0; i < qvec.size(); ++i) {
      dot += double(qvec[i]) * it->second[i];
      n1 += double(qvec[i]) * qvec[i];
      n2 += double(it->second[i]) * it->second[i];
    }
    r.dense_score = n1 > 0 && n2 > 0 ? dot / std::sqrt(n1 * n2) : 0;
  }
  return c;
}

// Appends `b` to the item `a` (same document, adjacent or overlapping chunks), using their byte
// offsets into the document's plain text to drop the overlap. The item keeps the page, heading
// path and id of its best chunk (`a`): that is where a citation should point.
void MergeInto(RetrievedChunk& a, const RetrievedChunk& b) {
  if (b.start >= a.start && b.end <= a.end) {
    // contained: nothing to add
  } else if (b.start >= a.start) {
    if (b.start <= a.end) {
      a.text += b.text.substr(std::min(b.text.size(), a.end - b.start));
    } else {
      a.text += "\n\n" + b.text;
    }
    a.end = b.end;
  } else {
    if (b.end >= a.start) {
      a.text = b.text + a.text.substr(std::min(a.text.size(), b.end - a.start));
    } else {
      a.text = b.text + "\n\n" + a.text;
    }
    a.start = b.start;
  }
  a.chunk_ids.push_back(b.chunk_id);
  a.score = std::max(a.score, b.score);
  a.dense_score = std::max(a.dense_score, b.dense_score);
  a.bm25_match = a.bm25_match || b.bm25_match;
}

}  // namespace

Json RetrievedChunk::ToJson() const {
  Json j = {{"chunk_id", chunk_id},
            {"chunk_ids", chunk_ids},
            {"doc_id", doc_id},
            {"source", source},
            {"page", page},
            {"heading_path", heading_path},
            {"score", score},
            {"dense_score", dense_score},
            {"bm25_match", bm25_match},
            {"start", start},
            {"end", end},
            {"text", text},
            {"metadata", metadata},
            {"kind", kind}};
  if (ocr) j["ocr"] = true;
  if (!bbox.empty()) j["bbox"] = bbox;
  if (!table.is_null()) j["table"] = table;
  if (!image.is_null()) j["image"] = image;
  return j;
}

Result<std::vector<RetrievedChunk>> KnowledgeBase::Retrieve(const std::string& query,
                                                            const RetrieveOptions& o,
                                                            RetrieveStats* stats) const {
  RetrieveStats local;
  RetrieveStats& st = stats ? *stats : local;
  if (query.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("the query is empty");
  }
  if (o.k == 0) return std::vector<RetrievedChunk>{};
  const size_t candidates = o.candidates ? o.candidates : std::max<size_t>(o.k * 4, 20);
  const bool has_sparse = !impl_->options.sparse_embedder.empty();
  if (o.mode == RetrieveMode::kSparse && !has_sparse) {
    return Status::InvalidArgument("knowledge base '" + impl_->name +
                                   "' has no sparse embedder (create it with --sparse-embedder "
                                   "splade:MODEL or bge-m3-sparse:MODEL)");
  }
  // The learned sparse search: the collection embeds the query with the field's embedder.
  SparseSearchRequest sparse;
  sparse.field = kSparseField;
  sparse.query_text = query;
  sparse.k = candidates;

  auto t = Clock::now();
  std::string q = query;
  RAGDB_ASSIGN_OR_RETURN(auto qvecs, impl_->embedder->Embed(std::span<const std::string>(&q, 1),
                                                            /*is_query=*/true));
  st.embed_ms = MsSince(t);

  t = Clock::now();
  TextSearchRequest bm25;
  bm25.query = query;
  bm25.k = candidates;
  bm25.filter = o.filter;
  std::vector<ScoredPoint> hits;
  if (o.mode == RetrieveMode::kHybrid) {
    const double sparse_weight = has_sparse ? o.sparse_weight : 0;
    if (!(o.dense_weight >= 0 && o.bm25_weight >= 0 && sparse_weight >= 0 &&
          o.dense_weight + o.bm25_weight + sparse_weight > 0)) {
      return Status::InvalidArgument("fusion weights must be >= 0 and not all 0");
    }
    HybridQuery hq;
    HybridSubQuery dense;
    dense.dense = SearchRequest{};
    dense.dense->field = kDenseField;
    dense.dense->vector = qvecs[0];
    dense.dense->k = candidates;
    dense.dense->with_payload = false;
    HybridSubQuery text;
    text.text = bm25;
    text.text->filter.reset();  // the query's filter applies to both sub-queries
    text.text->with_payload = false;
    hq.queries = {dense, text};
    hq.fusion =
        o.fusion == RetrieveFusion::kWeighted ? FusionMethod::kWeighted : FusionMethod::kRrf;
    hq.weights = {static_cast<float>(o.dense_weight), static_cast<float>(o.bm25_weight)};
    if (has_sparse) {
      HybridSubQuery learned;
      learned.sparse = sparse;
      learned.sparse->with_payload = false;
      hq.queries.push_back(std::move(learned));
      hq.weights.push_back(static_cast<float>(sparse_weight));
    }
    // Pictures: the question through the image model's text tower, against the picture vectors.
    if (impl_->image_embedder && o.images) {
      auto t_img = Clock::now();
      RAGDB_ASSIGN_OR_RETURN(
          auto ivecs, impl_->image_embedder->Embed(std::span<const std::string>(&q, 1), true));
      st.embed_ms += MsSince(t_img);
      HybridSubQuery pictures;
      pictures.dense = SearchRequest{};
      pictures.dense->field = kImageField;
      pictures.dense->vector = std::move(ivecs[0]);
      pictures.dense->k = std::max<size_t>(o.k, 5);
      pictures.dense->with_payload = false;
      hq.queries.push_back(std::move(pictures));
      hq.weights.push_back(1);  // the pictures' ranking counts with weight 1
    }
    hq.filter = o.filter;
    hq.limit = candidates;
    hq.with_payload = true;
    hq.with_text = true;
    hq.with_vectors = true;
    RAGDB_ASSIGN_OR_RETURN(QueryResult fused, impl_->chunks->Query(hq));
    hits = std::move(fused.points);
  } else if (o.mode == RetrieveMode::kDense) {
    SearchRequest dense;
    dense.field = kDenseField;
    dense.vector = qvecs[0];
    dense.k = candidates;
    dense.filter = o.filter;
    dense.with_text = true;
    dense.with_vectors = true;
    RAGDB_ASSIGN_OR_RETURN(hits, impl_->chunks->Search(dense));
  } else if (o.mode == RetrieveMode::kSparse) {
    sparse.filter = o.filter;
    sparse.with_text = true;
    sparse.with_vectors = true;
    RAGDB_ASSIGN_OR_RETURN(hits, impl_->chunks->SearchSparse(sparse));
  } else {
    TextSearchRequest text = bm25;
    text.with_text = true;
    text.with_vectors = true;
    RAGDB_ASSIGN_OR_RETURN(hits, impl_->chunks->SearchText(text));
  }
  // Which hits matched BM25 at all (the fused score does not say): the answer step uses it to
  // tell "related" from "merely nearest".
  std::unordered_set<std::string> bm25_ids;
  if (o.mode == RetrieveMode::kBm25) {
    for (const auto& h : hits) bm25_ids.insert(h.id.ToString());
  } else {
    bm25.with_payload = false;
    RAGDB_ASSIGN_OR_RETURN(auto bm25_hits, impl_->chunks->SearchText(bm25));
    for (const auto& h : bm25_hits) bm25_ids.insert(h.id.ToString());
  }

  std::vector<Candidate> cands;
  cands.reserve(hits.size());
  for (const auto& h : hits) {
    cands.push_back(FromHit(h, qvecs[0]));
    cands.back().chunk.bm25_match = bm25_ids.count(cands.back().chunk.chunk_id) > 0;
  }
  // Drop chunks of versions that are not (or no longer) their document's committed version.
  std::vector<PointId> doc_ids;
  std::unordered_set<std::string> seen_docs;
  for (const auto& c : cands) {
    if (seen_docs.insert(c.chunk.doc_id).second) doc_ids.emplace_back(c.chunk.doc_id);
  }
  std::unordered_map<std::string, int64_t> committed;
  if (!doc_ids.empty()) {
    RAGDB_ASSIGN_OR_RETURN(auto rows, impl_->docs->GetMany(doc_ids, false));
    for (const auto& r : rows) committed[r.id.ToString()] = r.payload.value("version", int64_t{-1});
  }
  std::erase_if(cands, [&](const Candidate& c) {
    auto it = committed.find(c.chunk.doc_id);
    return it == committed.end() || it->second != c.version;
  });
  st.search_ms = MsSince(t);

  if (!o.reranker.empty() && !cands.empty()) {
    t = Clock::now();
    const Reranker* reranker = nullptr;
    {
      std::lock_guard<std::mutex> lock(impl_->reranker_mu);
      auto& slot = impl_->rerankers[o.reranker];
      if (!slot) {
        RAGDB_ASSIGN_OR_RETURN(slot, Reranker::Load(o.reranker));
      }
      reranker = slot.get();
    }
    std::vector<std::string> texts;
    for (const auto& c : cands) texts.push_back(c.chunk.text);
    RAGDB_ASSIGN_OR_RETURN(auto scores, reranker->Score(query, texts));
    for (size_t i = 0; i < cands.size(); ++i) cands[i].chunk.score = scores[i];
    std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
      return a.chunk.score > b.chunk.score;
    });
    st.rerank_ms = MsSince(t);
  }

  t = Clock::now();
  const TokenCounter& counter = ApproxTokenCounter::Default();
  struct Item {
    RetrievedChunk chunk;
    size_t min_index, max_index;
    std::unordered_set<std::string> terms;
  };
  std::vector<Item> items;
  std::unordered_map<std::string, size_t> per_doc;
  std::unordered_set<std::string> parents_used;
  size_t tokens = 0;
  for (auto& c : cands) {
    if (items.size() >= o.k) break;
    const bool parent_mode = !c.parent_key.empty();
    if (parent_mode) {
      // The parent is the context; several matching children of one parent give it once.
      if (!parents_used.insert(c.parent_key).second) continue;
      c.chunk.text = c.parent_text;
    }
    // A neighbour of an item already chosen extends that item instead of taking a slot. Tables
    // and pictures stand alone: they are cited as such.
    bool merged = false;
    if (o.merge_neighbors && !parent_mode && c.chunk.kind == "text") {
      for (auto& it : items) {
        if (it.chunk.doc_id != c.chunk.doc_id || it.chunk.kind != "text") continue;
        size_t idx = c.chunk.chunk_index;
        if (idx + 1 == it.min_index || idx == it.max_index + 1) {
          size_t extra = counter.Count(c.chunk.text);
          if (o.token_budget && tokens + extra > o.token_budget) break;
          MergeInto(it.chunk, c.chunk);
          it.min_index = std::min(it.min_index, idx);
          it.max_index = std::max(it.max_index, idx);
          it.terms = TermSet(it.chunk.text, false);
          tokens += extra;
          merged = true;
          break;
        }
      }
    }
    if (merged) continue;
    if (per_doc[c.chunk.doc_id] >= o.max_per_document) continue;
    auto terms = TermSet(c.chunk.text, false);
    bool duplicate = false;
    for (const auto& it : items) {
      // A picture and a passage may share their words (a scan's picture carries its OCR text as
      // context): both stay, one to show and one to quote.
      if ((it.chunk.kind == "image") != (c.chunk.kind == "image")) continue;
      if (Jaccard(terms, it.terms) > o.dedup_threshold) {
        duplicate = true;
        break;
      }
    }
    if (duplicate) continue;
    size_t cost = counter.Count(c.chunk.text);
    if (o.token_budget && !items.empty() && tokens + cost > o.token_budget) continue;
    tokens += cost;
    ++per_doc[c.chunk.doc_id];
    const size_t idx = c.chunk.chunk_index;
    items.push_back({std::move(c.chunk), idx, idx, std::move(terms)});
  }
  std::vector<RetrievedChunk> out;
  out.reserve(items.size());
  for (auto& it : items) {
    if (!o.with_thumbnails && it.chunk.image.is_object()) it.chunk.image.erase("thumbnail");
    out.push_back(std::move(it.chunk));
  }
  st.assemble_ms = MsSince(t);
  return out;
}

}  // namespace ragdb::rag
