// Where a PDF draws raster images: poppler's content-stream interpreter (the core library, not
// poppler-cpp, which has no such hook) runs each page into an output device that draws nothing
// and records the rectangle of every image drawn. parse_pdf.cc then renders the page and cuts
// those rectangles out, so any image encoding poppler can paint is handled, and what is kept is
// what a reader sees (clipping and masks applied).
#pragma once

#include <string_view>
#include <vector>

#include "rag/document.h"

namespace ragdb::rag {

// Per page (index 0 = page 1), the rectangles in points from the top-left of the crop box of
// images at least `min_side` points on both sides. Must be called while a poppler-cpp document
// is alive (it shares poppler's global state). Pages that cannot be read give no rectangles.
std::vector<std::vector<BoundingBox>> FindPdfImages(std::string_view bytes, double min_side);

}  // namespace ragdb::rag
