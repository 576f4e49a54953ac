#include "rag/chunker.h"

#include <algorithm>
#include <string_view>

#include "rag/text_split.h"

namespace ragdb::rag {

namespace {

// A block, or the part of it inside a parent chunk.
struct Unit {
  size_t block;
  size_t start;
  size_t end;
  size_t tokens;
};

// The smallest piece the packer moves; a whole unit when it must stay whole.
struct Atom {
  size_t block;
  size_t start;
  size_t end;
  size_t tokens;
};

struct Span {
  size_t start;
  size_t end;
  size_t first_block;
  size_t last_block;
  bool has_content;  // false when it holds headings only
};

bool IsHeading(const ParsedDocument& d, size_t block) {
  return d.blocks[block].kind == BlockKind::kHeading;
}

// Builds chunk spans over a list of units with one budget and overlap.
class Packer {
 public:
  Packer(const ParsedDocument& doc, const TokenCounter& counter, size_t budget, size_t overlap,
         std::vector<Span>* out)
      : doc_(doc), counter_(counter), budget_(budget), overlap_(overlap), out_(out) {}

  // Units [carry, hi) where [carry, lo) are headings carried down from an empty parent section.
  void EmitRange(const std::vector<Unit>& u, size_t carry, size_t lo, size_t hi) {
    size_t total = 0;
    for (size_t k = carry; k < hi; ++k) total += u[k].tokens;
    if (total <= budget_) {
      Pack(u, carry, hi);
      return;
    }
    size_t body_end = lo + (IsHeading(doc_, u[lo].block) ? 1 : 0);
    while (body_end < hi && !IsHeading(doc_, u[body_end].block)) ++body_end;
    // Children: split the rest at its shallowest headings.
    std::vector<size_t> starts;
    int min_level = 10;
    for (size_t k = body_end; k < hi; ++k) {
      if (IsHeading(doc_, u[k].block)) {
        min_level = std::min(min_level, doc_.blocks[u[k].block].level);
      }
    }
    for (size_t k = body_end; k < hi; ++k) {
      if (IsHeading(doc_, u[k].block) && doc_.blocks[u[k].block].level == min_level) {
        starts.push_back(k);
      }
    }
    bool body_has_content = false;
    for (size_t k = carry; k < body_end; ++k) {
      body_has_content = body_has_content || !IsHeading(doc_, u[k].block);
    }
    // Deeper headings before the first shallowest one ("# A", "### B", "## C") form a child too.
    if (body_end < hi && (starts.empty() || starts[0] > body_end)) {
      starts.insert(starts.begin(), body_end);
    }
    bool carry_down = !body_has_content && !starts.empty();
    // An empty section's heading opens its first subsection's chunk instead of standing alone.
    if (!carry_down) Pack(u, carry, body_end);
    for (size_t m = 0; m < starts.size(); ++m) {
      size_t end = m + 1 < starts.size() ? starts[m + 1] : hi;
      EmitRange(u, m == 0 && carry_down ? carry : starts[m], starts[m], end);
    }
  }

 private:
  void Atomize(const Unit& unit, std::vector<Atom>* atoms) const {
    const Block& b = doc_.blocks[unit.block];
    std::string_view text =
        std::string_view(doc_.plain_text).substr(unit.start, unit.end - unit.start);
    bool whole =
        b.kind == BlockKind::kHeading ||
        ((b.kind == BlockKind::kTable || b.kind == BlockKind::kCode) && unit.tokens <= budget_);
    if (whole) {
      atoms->push_back({unit.block, unit.start, unit.end, unit.tokens});
      return;
    }
    bool lines =
        b.kind == BlockKind::kTable || b.kind == BlockKind::kCode || b.kind == BlockKind::kRecord;
    for (const TextRange& r : lines ? SplitLines(text) : SplitSentences(text)) {
      std::string_view piece = text.substr(r.begin, r.end - r.begin);
      size_t tokens = counter_.Count(piece);
      if (tokens <= budget_) {
        atoms->push_back({unit.block, unit.start + r.begin, unit.start + r.end, tokens});
        continue;
      }
      for (const TextRange& w : SplitWords(piece, counter_, budget_)) {
        size_t s = unit.start + r.begin + w.begin;
        size_t e = unit.start + r.begin + w.end;
        atoms->push_back(
            {unit.block, s, e, counter_.Count(std::string_view(doc_.plain_text).substr(s, e - s))});
      }
    }
  }

  void Pack(const std::vector<Unit>& u, size_t lo, size_t hi) {
    std::vector<Atom> cur;
    size_t cur_tokens = 0;
    auto emit = [&] {
      if (cur.empty()) return;
      bool content = std::any_of(cur.begin(), cur.end(),
                                 [&](const Atom& a) { return !IsHeading(doc_, a.block); });
      out_->push_back(
          {cur.front().start, cur.back().end, cur.front().block, cur.back().block, content});
    };
    // Ends the current chunk and seeds the next with trailing atoms worth <= overlap tokens
    // that leave room for `next_tokens`.
    auto next_chunk = [&](size_t next_tokens) {
      emit();
      size_t keep = 0;
      size_t kept_tokens = 0;
      while (keep + 1 < cur.size()) {
        size_t t = cur[cur.size() - 1 - keep].tokens;
        if (kept_tokens + t > overlap_ || kept_tokens + t + next_tokens > budget_) break;
        kept_tokens += t;
        ++keep;
      }
      cur.erase(cur.begin(), cur.end() - static_cast<std::ptrdiff_t>(keep));
      cur_tokens = kept_tokens;
    };
    for (size_t k = lo; k < hi; ++k) {
      std::vector<Atom> atoms;
      Atomize(u[k], &atoms);
      const Block& b = doc_.blocks[u[k].block];
      if (cur_tokens + u[k].tokens <= budget_) {
        for (const Atom& a : atoms) cur.push_back(a), cur_tokens += a.tokens;
        continue;
      }
      bool keep_whole =
          u[k].tokens <= budget_ &&
          (b.kind == BlockKind::kTable || b.kind == BlockKind::kCode || cur_tokens * 2 >= budget_);
      if (keep_whole && !cur.empty()) {
        next_chunk(u[k].tokens);
        for (const Atom& a : atoms) cur.push_back(a), cur_tokens += a.tokens;
        continue;
      }
      for (const Atom& a : atoms) {
        if (!cur.empty() && cur_tokens + a.tokens > budget_) next_chunk(a.tokens);
        cur.push_back(a);
        cur_tokens += a.tokens;
      }
    }
    emit();
  }

  const ParsedDocument& doc_;
  const TokenCounter& counter_;
  size_t budget_;
  size_t overlap_;
  std::vector<Span>* out_;
};

std::vector<std::vector<std::string>> HeadingPaths(const ParsedDocument& doc) {
  std::vector<std::vector<std::string>> paths;
  std::vector<std::pair<int, std::string>> stack;
  for (const Block& b : doc.blocks) {
    if (b.kind == BlockKind::kHeading) {
      while (!stack.empty() && stack.back().first >= b.level) stack.pop_back();
      stack.emplace_back(b.level, b.text);
    }
    std::vector<std::string> path;
    for (const auto& [level, text] : stack) path.push_back(text);
    paths.push_back(std::move(path));
  }
  return paths;
}

std::vector<Unit> UnitsIn(const ParsedDocument& doc, const TokenCounter& counter, size_t start,
                          size_t end) {
  std::vector<Unit> units;
  for (size_t i = 0; i < doc.blocks.size(); ++i) {
    const Block& b = doc.blocks[i];
    size_t s = std::max(b.start, start);
    size_t e = std::min(b.end, end);
    if (s >= e) continue;
    units.push_back({i, s, e, counter.Count(std::string_view(doc.plain_text).substr(s, e - s))});
  }
  return units;
}

Chunk MakeChunk(const ParsedDocument& doc, const std::vector<std::vector<std::string>>& paths,
                const TokenCounter& counter, const Span& s) {
  Chunk c;
  c.start = s.start;
  c.end = s.end;
  c.text = doc.plain_text.substr(s.start, s.end - s.start);
  c.source = doc.metadata.source;
  c.page = doc.blocks[s.first_block].page;
  c.token_count = counter.Count(c.text);
  // The path shared by the chunk's content blocks: a chunk holding a whole section gets the
  // section's path, one that starts with carried-down headings gets the deepest one's.
  bool first = true;
  for (size_t b = s.first_block; b <= s.last_block; ++b) {
    if (s.has_content && IsHeading(doc, b)) continue;
    if (first) {
      c.heading_path = paths[b];
      first = false;
      continue;
    }
    const auto& p = paths[b];
    size_t n = 0;
    while (n < c.heading_path.size() && n < p.size() && c.heading_path[n] == p[n]) ++n;
    c.heading_path.resize(n);
  }
  return c;
}

std::vector<Span> SpansOf(const ParsedDocument& doc, const TokenCounter& counter,
                          const std::vector<Unit>& units, size_t budget, size_t overlap) {
  std::vector<Span> spans;
  if (units.empty()) return spans;
  Packer packer(doc, counter, budget, overlap, &spans);
  packer.EmitRange(units, 0, 0, units.size());
  return spans;
}

}  // namespace

Status ValidateChunkOptions(const ChunkOptions& o) {
  if (o.size_tokens == 0) return Status::InvalidArgument("chunk: size_tokens must be > 0");
  if (o.overlap_tokens >= o.size_tokens) {
    return Status::InvalidArgument("chunk: overlap_tokens (" + std::to_string(o.overlap_tokens) +
                                   ") must be < size_tokens (" + std::to_string(o.size_tokens) +
                                   ")");
  }
  if (o.mode == ChunkMode::kParentChild && o.parent_size_tokens < o.size_tokens) {
    return Status::InvalidArgument("chunk: parent_size_tokens must be >= size_tokens");
  }
  return Status::Ok();
}

Result<ChunkSet> ChunkDocument(const ParsedDocument& doc, const ChunkOptions& options) {
  RAGDB_RETURN_IF_ERROR(ValidateChunkOptions(options));
  const TokenCounter& counter = options.counter ? *options.counter : ApproxTokenCounter::Default();
  auto paths = HeadingPaths(doc);
  ChunkSet set;
  std::vector<Unit> all = UnitsIn(doc, counter, 0, doc.plain_text.size());
  if (options.mode == ChunkMode::kRecursive) {
    for (const Span& s : SpansOf(doc, counter, all, options.size_tokens, options.overlap_tokens)) {
      set.chunks.push_back(MakeChunk(doc, paths, counter, s));
    }
    return set;
  }
  for (const Span& p : SpansOf(doc, counter, all, options.parent_size_tokens, 0)) {
    int parent = static_cast<int>(set.parents.size());
    set.parents.push_back(MakeChunk(doc, paths, counter, p));
    std::vector<Unit> inside = UnitsIn(doc, counter, p.start, p.end);
    for (const Span& s :
         SpansOf(doc, counter, inside, options.size_tokens, options.overlap_tokens)) {
      Chunk c = MakeChunk(doc, paths, counter, s);
      c.parent = parent;
      set.chunks.push_back(std::move(c));
    }
  }
  return set;
}

}  // namespace ragdb::rag
