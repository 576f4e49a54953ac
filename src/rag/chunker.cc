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
  // Table pieces: the table's header to repeat in front (empty for the first piece) and the
  // data rows covered.
  std::string_view repeat_header = {};
  int first_row = 0;
  int last_row = 0;
  bool table = false;
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
      const Block& b = doc_.blocks[u[k].block];
      if (b.kind == BlockKind::kTable) {
        // A table chunk takes only the headings right above it along.
        size_t lead = cur.size();
        while (lead > 0 && IsHeading(doc_, cur[lead - 1].block)) --lead;
        std::vector<Atom> headings(cur.begin() + static_cast<std::ptrdiff_t>(lead), cur.end());
        cur.resize(lead);
        emit();
        EmitTable(u[k], headings);
        cur.clear();
        cur_tokens = 0;
        continue;
      }
      // OCR'd text is cited by page and box, so its chunks do not cross pages.
      if (b.ocr && !cur.empty() && doc_.blocks[cur.front().block].page != b.page) {
        emit();
        cur.clear();
        cur_tokens = 0;
      }
      std::vector<Atom> atoms;
      Atomize(u[k], &atoms);
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

  // One table unit as one or more spans; `lead` are headings that open the first one.
  void EmitTable(const Unit& unit, const std::vector<Atom>& lead) {
    const Block& b = doc_.blocks[unit.block];
    const std::string_view pt(doc_.plain_text);
    const std::string_view block_text = pt.substr(b.start, b.end - b.start);
    // Rendered tables start with the header row and the "| --- |" separator.
    std::vector<TextRange> block_lines = SplitLines(block_text);
    const size_t header_end =
        b.start + (block_lines.size() >= 2 ? block_lines[1].end : block_lines[0].end);
    const std::string_view header = pt.substr(b.start, header_end - b.start);
    const size_t header_tokens = counter_.Count(header);
    size_t lead_tokens = 0;
    for (const Atom& a : lead) lead_tokens += a.tokens;
    // The unit's lines, with their data-row numbers (line 2 of the block = row 1).
    struct Line {
      size_t start, end, tokens;
      int row;
    };
    std::vector<Line> lines;
    int row = 0;
    for (const TextRange& r : block_lines) {
      const size_t s = b.start + r.begin, e = b.start + r.end;
      const int this_row = row++ - 1;
      if (e <= unit.start || s >= unit.end) continue;
      lines.push_back({s, e, counter_.Count(pt.substr(s, e - s)), this_row});
    }
    if (lines.empty()) return;
    // A header that takes most of the budget cannot be repeated: then pieces are bare rows, and
    // a row over the budget is cut between words.
    const bool repeat = header_tokens * 2 <= budget_;
    if (!repeat) {
      std::vector<Line> fitted;
      for (const Line& l : lines) {
        if (l.tokens <= budget_) {
          fitted.push_back(l);
          continue;
        }
        std::string_view text = pt.substr(l.start, l.end - l.start);
        for (const TextRange& w : SplitWords(text, counter_, budget_)) {
          fitted.push_back({l.start + w.begin, l.start + w.end,
                            counter_.Count(text.substr(w.begin, w.end - w.begin)), l.row});
        }
      }
      lines = std::move(fitted);
    }
    size_t i = 0;
    bool first = true;
    while (i < lines.size()) {
      // No repeated header when the piece starts with the header itself.
      const bool has_header = !repeat || lines[i].row <= 0;
      size_t tokens = (first ? lead_tokens : 0) + (has_header ? 0 : header_tokens);
      if (tokens + lines[i].tokens > budget_ && first && !lead.empty()) {
        // The headings and the first rows do not fit together: the headings go alone.
        out_->push_back(
            {lead.front().start, lead.back().end, lead.front().block, lead.back().block, false});
        first = false;
        continue;
      }
      size_t j = i;
      while (j < lines.size() && (j == i || tokens + lines[j].tokens <= budget_)) {
        tokens += lines[j].tokens;
        ++j;
      }
      // Never end a piece on the header alone (when it can be repeated, it fits with a row).
      while (repeat && j < lines.size() && lines[j - 1].row <= 0) tokens += lines[j++].tokens;
      const bool with_lead = first && !lead.empty();
      Span span{with_lead ? lead.front().start : lines[i].start, lines[j - 1].end,
                with_lead ? lead.front().block : unit.block, unit.block, true};
      span.repeat_header = has_header ? std::string_view() : header;
      span.first_row = std::max(1, lines[i].row);
      span.last_row = std::max(0, lines[j - 1].row);
      span.table = true;
      out_->push_back(span);
      first = false;
      i = j;
    }
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
  if (!s.repeat_header.empty()) {
    c.header_bytes = s.repeat_header.size() + 1;
    c.text = std::string(s.repeat_header) + "\n" + c.text;
  }
  c.source = doc.metadata.source;
  c.page = doc.blocks[s.first_block].page;
  c.token_count = counter.Count(c.text);
  if (s.table) {
    c.table = true;
    c.first_table_row = s.first_row;
    c.last_table_row = s.last_row;
    c.table_info = doc.blocks[s.last_block].table;
  }
  for (size_t b = s.first_block; b <= s.last_block; ++b) {
    const Block& blk = doc.blocks[b];
    if (!blk.ocr) continue;
    c.ocr = true;
    if (blk.page == c.page) c.bbox.Extend(blk.bbox);
  }
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
