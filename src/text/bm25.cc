#include "text/bm25.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

namespace ragdb::text {
namespace {

// All BM25 float math lives here so that WAND, the conjunction and the exhaustive scorer produce
// bit-identical scores (summed in the same order: query terms, then phrases).
struct Scorer {
  float k1;
  float b;
  float avgdl;
  float Norm(uint32_t dl) const { return k1 * (1.0f - b + b * (static_cast<float>(dl) / avgdl)); }
  static float Term(float weight, uint32_t tf, float norm) {
    if (tf == 0) return 0;  // past-the-end block bounds; avoids 0/0 when b = 1 and dl = 0
    const float f = static_cast<float>(tf);
    return weight * (f / (f + norm));
  }
};

struct TermClause {
  float weight = 0;     // query weight * idf
  float max_score = 0;  // upper bound over the whole posting list
  PostingCursor cur;
  bool present = false;  // the term exists in this segment
};

struct PhraseClause {
  float weight = 0;  // sum of the terms' idf
  std::vector<uint32_t> offsets;
  std::vector<PostingCursor> cursors;
};

bool Better(const ScoredRow& a, const ScoredRow& b) {
  return a.score > b.score || (a.score == b.score && a.row < b.row);
}

// Bounded min-heap of the best k rows; front() is the worst kept.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { heap_.reserve(k); }
  float Threshold() const {
    return heap_.size() < k_ ? -std::numeric_limits<float>::infinity() : heap_.front().score;
  }
  void Push(uint32_t row, float score) {
    const ScoredRow r{row, score};
    if (heap_.size() < k_) {
      heap_.push_back(r);
      std::push_heap(heap_.begin(), heap_.end(), Better);
    } else if (Better(r, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), Better);
      heap_.back() = r;
      std::push_heap(heap_.begin(), heap_.end(), Better);
    }
  }
  std::vector<ScoredRow> Take() {
    std::sort(heap_.begin(), heap_.end(), Better);
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<ScoredRow> heap_;
};

bool Allowed(const Bitset* allowed, uint32_t row) {
  return allowed == nullptr || (row < allowed->size() && allowed->Test(row));
}

// The per-segment plan of a query. `impossible` when a required term is missing here.
struct Plan {
  Scorer scorer;
  std::vector<std::unique_ptr<TermClause>> terms;  // query order; stable addresses
  std::vector<PhraseClause> phrases;
  bool impossible = false;
};

Plan MakePlan(const InvertedIndexReader& seg, const TextQuery& q, const CollectionStats& stats,
              const Bm25Params& p) {
  Plan plan;
  plan.scorer = Scorer{p.k1, p.b, static_cast<float>(stats.avg_doc_length())};
  const uint64_t n = std::max<uint64_t>({stats.doc_count, seg.doc_count(), 1});
  auto idf = [&](std::string_view t, uint32_t seg_df) {
    // Stats should cover this segment; if a caller forgot a term, fall back to this segment's df.
    return static_cast<float>(Bm25Idf(n, std::max<uint64_t>(stats.DocFreq(t), seg_df)));
  };
  for (const QueryTerm& qt : q.terms) {
    auto c = std::make_unique<TermClause>();
    const int64_t idx = seg.FindTerm(qt.term);
    if (idx >= 0) {
      const auto i = static_cast<uint32_t>(idx);
      c->present = true;
      c->weight = qt.weight * idf(qt.term, seg.doc_freq(i));
      c->cur = seg.Cursor(i);
      float m = 0;
      for (uint32_t bk = 0; bk < c->cur.num_blocks(); ++bk) {
        m = std::max(m, Scorer::Term(c->weight, c->cur.BlockMaxTf(bk),
                                     plan.scorer.Norm(c->cur.BlockMinDocLength(bk))));
      }
      // Slack so that a different float summation order can never prune a true top-k row.
      c->max_score = m * 1.0001f + 1e-6f;
    } else if (q.mode == MatchMode::kAll) {
      plan.impossible = true;
    }
    plan.terms.push_back(std::move(c));
  }
  for (const Phrase& ph : q.phrases) {
    PhraseClause pc;
    pc.offsets = ph.offsets;
    for (const std::string& t : ph.terms) {
      const int64_t idx = seg.FindTerm(t);
      if (idx < 0) {
        plan.impossible = true;
        break;
      }
      pc.weight += idf(t, seg.doc_freq(static_cast<uint32_t>(idx)));
      pc.cursors.push_back(seg.Cursor(static_cast<uint32_t>(idx)));
    }
    plan.phrases.push_back(std::move(pc));
  }
  return plan;
}

Status PlanStatus(const Plan& plan) {
  for (const auto& t : plan.terms)
    if (t->present) RAGDB_RETURN_IF_ERROR(t->cur.status());
  for (const PhraseClause& p : plan.phrases)
    for (const PostingCursor& c : p.cursors) RAGDB_RETURN_IF_ERROR(c.status());
  return Status::Ok();
}

// Occurrences of the phrase in the document all its cursors are on.
Result<uint32_t> PhraseFreq(const PhraseClause& p, std::vector<std::vector<uint32_t>>* scratch) {
  scratch->resize(p.cursors.size());
  for (size_t j = 0; j < p.cursors.size(); ++j) {
    RAGDB_RETURN_IF_ERROR(p.cursors[j].Positions(&(*scratch)[j]));
  }
  uint32_t pf = 0;
  for (uint32_t start : (*scratch)[0]) {
    bool all = true;
    for (size_t j = 1; j < p.cursors.size() && all; ++j) {
      const uint64_t want = uint64_t{start} + p.offsets[j] - p.offsets[0];
      const auto& v = (*scratch)[j];
      all =
          std::binary_search(v.begin(), v.end(), static_cast<uint32_t>(want)) && want <= UINT32_MAX;
    }
    pf += all ? 1 : 0;
  }
  return pf;
}

// Block-max WAND for pure OR queries.
Status Wand(const InvertedIndexReader& seg, Plan& plan, const TextSearchOptions& opt, TopK* top) {
  std::vector<TermClause*> order;
  for (auto& t : plan.terms)
    if (t->present) order.push_back(t.get());
  const size_t n = order.size();
  if (n == 0) return Status::Ok();
  const Scorer& sc = plan.scorer;
  auto by_doc = [](const TermClause* a, const TermClause* b) {
    return a->cur.doc() < b->cur.doc();
  };
  std::sort(order.begin(), order.end(), by_doc);
  while (true) {
    const float thr = top->Threshold();
    float acc = 0;
    size_t pivot = n;
    for (size_t i = 0; i < n; ++i) {
      if (order[i]->cur.doc() == PostingCursor::kEnd) break;
      acc += order[i]->max_score;
      if (acc > thr) {
        pivot = i;
        break;
      }
    }
    if (pivot == n) break;
    const uint32_t d = order[pivot]->cur.doc();
    while (pivot + 1 < n && order[pivot + 1]->cur.doc() == d) ++pivot;
    float block_bound = 0;
    for (size_t i = 0; i <= pivot; ++i) {
      TermClause* t = order[i];
      t->cur.ShallowAdvance(d);
      block_bound +=
          Scorer::Term(t->weight, t->cur.ShallowMaxTf(), sc.Norm(t->cur.ShallowMinDocLength())) *
              1.0001f +
          1e-6f;
    }
    if (block_bound > thr) {
      if (order[0]->cur.doc() == d) {
        if (Allowed(opt.allowed, d)) {
          const float norm = sc.Norm(seg.doc_length(d));
          float s = 0;
          for (const auto& t : plan.terms) {  // query order, for bit-identical sums
            if (t->present && t->cur.doc() == d) s += Scorer::Term(t->weight, t->cur.tf(), norm);
          }
          top->Push(d, s);
        }
        for (size_t i = 0; i <= pivot; ++i) order[i]->cur.Next();
      } else {
        // Bring the lagging cursors up to the pivot doc.
        for (size_t i = 0; i < pivot && order[i]->cur.doc() < d; ++i) order[i]->cur.Advance(d);
      }
    } else {
      // No row before the end of the smallest current block (or the next cursor) can make it.
      uint64_t next = pivot + 1 < n ? order[pivot + 1]->cur.doc() : PostingCursor::kEnd;
      size_t best = 0;
      for (size_t i = 0; i <= pivot; ++i) {
        next = std::min<uint64_t>(next, uint64_t{order[i]->cur.ShallowLastDoc()} + 1);
        if (order[i]->max_score > order[best]->max_score) best = i;
      }
      if (next <= d) next = uint64_t{d} + 1;
      order[best]->cur.Advance(
          static_cast<uint32_t>(std::min<uint64_t>(next, PostingCursor::kEnd)));
    }
    // Restore doc order (few elements moved: insertion sort).
    for (size_t i = 1; i < n; ++i) {
      TermClause* x = order[i];
      size_t j = i;
      while (j > 0 && order[j - 1]->cur.doc() > x->cur.doc()) {
        order[j] = order[j - 1];
        --j;
      }
      order[j] = x;
    }
  }
  return Status::Ok();
}

// Dense accumulation, one term after the other in query order (so sums match the exhaustive
// scorer bit for bit). Cost: the query's postings plus one pass over the segment's rows.
Status TermAtATime(const InvertedIndexReader& seg, Plan& plan, const TextSearchOptions& opt,
                   TopK* top) {
  std::vector<float> acc(seg.num_rows(), 0.0f);
  for (auto& t : plan.terms) {
    if (!t->present) continue;
    PostingCursor& c = t->cur;
    for (uint32_t d = c.doc(); d != PostingCursor::kEnd; c.Next(), d = c.doc()) {
      acc[d] += Scorer::Term(t->weight, c.tf(), plan.scorer.Norm(seg.doc_length(d)));
    }
  }
  // BM25 contributions are > 0, so acc > 0 exactly marks the matching rows.
  for (uint32_t d = 0; d < acc.size(); ++d) {
    if (acc[d] > 0 && acc[d] >= top->Threshold() && Allowed(opt.allowed, d)) top->Push(d, acc[d]);
  }
  return Status::Ok();
}

// Required cursors (AND terms, phrase terms) leapfrog; optional terms are added when present.
Status Conjunction(const InvertedIndexReader& seg, Plan& plan, const TextQuery& q,
                   const TextSearchOptions& opt, TopK* top) {
  std::vector<PostingCursor*> req;
  if (q.mode == MatchMode::kAll)
    for (auto& t : plan.terms) req.push_back(&t->cur);
  for (PhraseClause& p : plan.phrases)
    for (PostingCursor& c : p.cursors) req.push_back(&c);
  if (req.empty()) return Status::Ok();
  std::vector<std::vector<uint32_t>> scratch;
  std::vector<uint32_t> pfs(plan.phrases.size());
  uint32_t d = req[0]->doc();
  while (d != PostingCursor::kEnd) {
    bool aligned = true;
    for (PostingCursor* c : req) {
      c->Advance(d);
      if (c->doc() != d) {
        d = c->doc();
        aligned = false;
        break;
      }
    }
    if (!aligned) continue;
    bool ok = Allowed(opt.allowed, d);
    for (size_t i = 0; ok && i < plan.phrases.size(); ++i) {
      RAGDB_ASSIGN_OR_RETURN(pfs[i], PhraseFreq(plan.phrases[i], &scratch));
      ok = pfs[i] > 0;
    }
    if (ok) {
      const float norm = plan.scorer.Norm(seg.doc_length(d));
      float s = 0;
      for (auto& t : plan.terms) {
        if (!t->present) continue;
        t->cur.Advance(d);
        if (t->cur.doc() == d) s += Scorer::Term(t->weight, t->cur.tf(), norm);
      }
      for (size_t i = 0; i < plan.phrases.size(); ++i) {
        s += Scorer::Term(plan.phrases[i].weight, pfs[i], norm);
      }
      top->Push(d, s);
    }
    req[0]->Next();
    d = req[0]->doc();
  }
  return Status::Ok();
}

}  // namespace

double Bm25Idf(uint64_t doc_count, uint64_t doc_freq) {
  const double n = static_cast<double>(doc_count);
  const double df = static_cast<double>(std::min(doc_freq, doc_count));
  return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
}

void CollectionStats::Add(const InvertedIndexReader& segment, std::span<const std::string> terms) {
  doc_count += segment.doc_count();
  total_tokens += segment.total_tokens();
  for (const std::string& t : terms) doc_freq[t] += segment.DocFreq(t);
}

uint64_t CollectionStats::DocFreq(std::string_view term) const {
  auto it = doc_freq.find(std::string(term));
  return it == doc_freq.end() ? 0 : it->second;
}

Result<std::vector<ScoredRow>> SearchText(const InvertedIndexReader& segment,
                                          const TextQuery& query, const CollectionStats& stats,
                                          const TextSearchOptions& options) {
  if (options.k == 0 || query.empty()) return std::vector<ScoredRow>{};
  Plan plan = MakePlan(segment, query, stats, options.bm25);
  if (plan.impossible) return std::vector<ScoredRow>{};
  TopK top(options.k);
  if (query.mode == MatchMode::kAny && query.phrases.empty()) {
    uint64_t postings = 0;
    for (const auto& t : plan.terms) postings += t->present ? t->cur.df() : 0;
    const bool taat =
        options.or_strategy == OrStrategy::kTermAtATime ||
        (options.or_strategy == OrStrategy::kAuto && postings * 16 >= segment.num_rows());
    if (taat) {
      RAGDB_RETURN_IF_ERROR(TermAtATime(segment, plan, options, &top));
    } else {
      RAGDB_RETURN_IF_ERROR(Wand(segment, plan, options, &top));
    }
  } else {
    RAGDB_RETURN_IF_ERROR(Conjunction(segment, plan, query, options, &top));
  }
  RAGDB_RETURN_IF_ERROR(PlanStatus(plan));
  return top.Take();
}

Result<std::vector<ScoredRow>> SearchTextExhaustive(const InvertedIndexReader& segment,
                                                    const TextQuery& query,
                                                    const CollectionStats& stats,
                                                    const TextSearchOptions& options) {
  if (options.k == 0 || query.empty()) return std::vector<ScoredRow>{};
  Plan plan = MakePlan(segment, query, stats, options.bm25);
  if (plan.impossible) return std::vector<ScoredRow>{};
  TopK top(options.k);
  std::vector<std::vector<uint32_t>> scratch;
  for (uint32_t d = 0; d < segment.num_rows(); ++d) {
    if (!Allowed(options.allowed, d)) continue;
    const float norm = plan.scorer.Norm(segment.doc_length(d));
    bool any = false, all = true;
    float s = 0;
    for (auto& t : plan.terms) {
      if (t->present) t->cur.Advance(d);
      if (t->present && t->cur.doc() == d) {
        any = true;
        s += Scorer::Term(t->weight, t->cur.tf(), norm);
      } else {
        all = false;
      }
    }
    bool match = query.mode == MatchMode::kAll ? all : (any || !query.phrases.empty());
    for (PhraseClause& p : plan.phrases) {
      if (!match) break;
      for (PostingCursor& c : p.cursors) {
        c.Advance(d);
        if (c.doc() != d) match = false;
      }
      if (!match) break;
      RAGDB_ASSIGN_OR_RETURN(const uint32_t pf, PhraseFreq(p, &scratch));
      if (pf == 0)
        match = false;
      else
        s += Scorer::Term(p.weight, pf, norm);
    }
    if (match) top.Push(d, s);
  }
  RAGDB_RETURN_IF_ERROR(PlanStatus(plan));
  return top.Take();
}

}  // namespace ragdb::text
