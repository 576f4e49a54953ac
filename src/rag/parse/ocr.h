// OCR through Tesseract (libtesseract): words with their boxes and confidences, grouped into
// lines and paragraphs as Tesseract's layout analysis finds them, and turned into blocks.
//
// One Tesseract engine per thread and language set, created on first use and kept (loading the
// eng + chi_sim models takes ~0.3 s; an engine is not thread-safe, so threads never share one).
// Tesseract's own OpenMP threads follow OMP_THREAD_LIMIT.
#pragma once

#include <string>
#include <vector>

#include "model/vision/image.h"
#include "rag/document_builder.h"
#include "rag/parse/parse.h"

namespace ragdb::rag {

struct OcrWord {
  std::string text;
  BoundingBox box;       // pixels of the recognized image
  float confidence = 0;  // 0-100
};
struct OcrLine {
  std::vector<OcrWord> words;
  BoundingBox box;
};
struct OcrParagraph {
  std::vector<OcrLine> lines;
  BoundingBox box;
};
struct OcrPage {
  std::vector<OcrParagraph> paragraphs;
  size_t words = 0;
  float mean_confidence = 0;  // over the kept words
};

// Recognizes the text of `image`. `dpi` (0 = unknown) helps Tesseract size its expectations.
// Fails (InvalidArgument) when a language's model is not installed, naming the package.
Result<OcrPage> RecognizeText(const vision::Image& image, const OcrOptions& options, int dpi = 0);

// A line's words joined by spaces, except between two CJK characters (Chinese has no spaces).
std::string LineText(const OcrLine& line);

// Adds each paragraph as an OCR paragraph block; boxes are multiplied by `scale` (pixels to the
// page's units: 72 / dpi for rendered PDF pages, 1 for image files). Returns the words added.
size_t AddOcrText(const OcrPage& page, double scale, DocumentBuilder* builder);

}  // namespace ragdb::rag
