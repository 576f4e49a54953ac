// Structure-aware chunking of a ParsedDocument into retrieval units.
//
// Recursion, coarse to fine, each level used only when the previous one is over budget:
//   section (a heading with everything under it, subsections included)
//   -> the section's own blocks, then each subsection
//   -> sentences of a block (lines for tables, code and records)
//   -> words (every CJK character is a word) -> code-point pieces of an oversized word.
// Packing is greedy: consecutive units fill a chunk up to `size_tokens`; a block that does not
// fit starts a new chunk when the current one is at least half full (else it is split to fill
// it). Code blocks that fit the budget are never split. Consecutive chunks of one section share
// up to `overlap_tokens` of whole sentences/lines. Chunks never cross into a different section
// unless the whole section tree fits in one chunk.
//
// Tables are first-class chunks: a table never shares a chunk with text other than the headings
// just above it, and a table longer than the budget is cut between rows into pieces that each
// start with the table's header row, so every piece still says what its columns are.
//
// Every chunk is a range of the document's plain text: text == plain_text.substr(start,
// end - start), offsets in UTF-8 bytes; except that a table piece after the first starts with the
// table's header (`header_bytes` bytes, ending in "\n") before its slice.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "rag/document.h"
#include "rag/token_counter.h"
#include "ragdb/status.h"

namespace ragdb::rag {

enum class ChunkMode {
  kRecursive,    // chunks of ~size_tokens, returned in ChunkSet::chunks
  kParentChild,  // also parents of ~parent_size_tokens; each child lies inside one parent
};

struct ChunkOptions {
  size_t size_tokens = 400;
  size_t overlap_tokens = 60;  // ~15%; must be < size_tokens
  ChunkMode mode = ChunkMode::kRecursive;
  size_t parent_size_tokens = 1600;  // kParentChild; must be >= size_tokens
  // Null means ApproxTokenCounter::Default(). Not owned; must outlive the ChunkDocument call.
  const TokenCounter* counter = nullptr;
};

struct Chunk {
  std::string text;
  // Headings enclosing the chunk, outermost first (["Install", "Linux"]); empty before the
  // first heading.
  std::vector<std::string> heading_path;
  std::string source;  // ParsedDocument::metadata.source
  int page = 0;        // page of the chunk's first character; 0 when the format has no pages
  size_t start = 0;    // UTF-8 byte offsets into ParsedDocument::plain_text
  size_t end = 0;
  size_t token_count = 0;   // by the counter in use
  int parent = -1;          // kParentChild: index into ChunkSet::parents; else -1
  bool table = false;       // a table, or a piece of one
  size_t header_bytes = 0;  // table pieces after the first: the repeated header's length
  // Tables: data rows of the table in this chunk (1 = the row below the header), and where the
  // table came from (sheet, grid position) so a cell can be cited.
  int first_table_row = 0, last_table_row = 0;
  TableInfo table_info;
  // Text recognized by OCR: the union of its blocks' boxes on the chunk's page.
  bool ocr = false;
  BoundingBox bbox;
};

struct ChunkSet {
  std::vector<Chunk> chunks;   // what gets embedded and retrieved
  std::vector<Chunk> parents;  // kParentChild only: the context returned for a matching child
};

// InvalidArgument for size_tokens == 0, overlap_tokens >= size_tokens or (parent-child)
// parent_size_tokens < size_tokens.
Status ValidateChunkOptions(const ChunkOptions& options);

Result<ChunkSet> ChunkDocument(const ParsedDocument& doc, const ChunkOptions& options = {});

}  // namespace ragdb::rag
