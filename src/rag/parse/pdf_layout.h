// Turns the physical-layout text of one PDF page into blocks. Separate from parse_pdf.cc so the
// heuristics can be tested on plain strings.
//
// PDF text carries no structure, so this is a guess from the layout poppler reconstructs:
// - a table is a run of >= 2 consecutive lines that split into the same number (>= 2) of cells at
//   gaps of 2+ spaces, where at least one line has >= 3 cells or the run has >= 3 lines;
// - paragraphs end at blank lines, or after a line that ends a sentence and is clearly shorter
//   than the page's longest line;
// - a word hyphenated at a line end ("exam-" + "ple") is joined.
// Known limit: two-column pages come out line-interleaved (poppler's physical layout).
#pragma once

#include <string_view>

#include "rag/document_builder.h"

namespace ragdb::rag {

void AddPdfPageText(std::string_view page_text, DocumentBuilder* builder);

}  // namespace ragdb::rag
