// The multimodal side of ingestion (issue #16), kept out of kb_ingest.cc: how ReadOptions
// become parser options, what a chunk's payload says about tables and OCR, and the records of
// the pictures a document holds.
#pragma once

#include <string>
#include <vector>

#include "rag/chunker.h"
#include "rag/kb_internal.h"
#include "rag/parse/parse.h"
#include "ragdb/rag.h"

namespace ragdb::rag {

// `keep_images`: the KB has an image embedder, so the parser keeps the pictures it finds.
Result<ParseOptions> ParseOptionsFor(const ReadOptions& read, bool keep_images);

// Adds "kind" (text | table), and for tables "table" {sheet, first_row, first_col, rows}, for
// OCR'd text "ocr": true and "bbox" [x0, y0, x1, y1] with "bbox_units" (points | pixels).
void AddChunkPayload(const Chunk& chunk, const ParsedDocument& doc, Json* payload);

// One record per picture of `doc` (the KB must have an image embedder): text = caption and the
// text around the picture (BM25 and the text vector find it by words), vector "image" from the
// image embedder, payload `base` plus kind "image", page, bbox and "image" {name, width,
// height, caption, thumbnail (a JPEG data URL, at most 256 pixels a side)}. Record ids continue
// from chunk index `first_index`.
Result<std::vector<Record>> PictureRecords(const KnowledgeBase::Impl& impl,
                                           const ParsedDocument& doc, const Json& base,
                                           const std::string& doc_id, int64_t version,
                                           size_t first_index);

}  // namespace ragdb::rag
