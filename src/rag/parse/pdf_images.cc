#include "rag/parse/pdf_images.h"

#include <GfxState.h>
#include <GlobalParams.h>
#include <OutputDev.h>
#include <PDFDoc.h>
#include <Stream.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace ragdb::rag {
namespace {

void IgnorePopplerError(ErrorCategory, Goffset, const char*) {}

class ImageFinder : public OutputDev {
 public:
  explicit ImageFinder(double min_side) : min_side_(min_side) {}

  bool upsideDown() override { return true; }
  bool useDrawChar() override { return false; }
  bool interpretType3Chars() override { return false; }
  bool needCharCount() override { return false; }

  void startPage(int, GfxState* state, XRef*) override {
    boxes_.clear();
    if (state) {
      page_w_ = state->getPageWidth();
      page_h_ = state->getPageHeight();
    }
  }

  // Masked and soft-masked images end up here too (OutputDev's defaults forward them).
  void drawImage(GfxState* state, Object* ref, Stream* str, int width, int height,
                 GfxImageColorMap* color_map, bool interpolate, const int* mask_colors,
                 bool inline_image) override {
    // The image is the unit square in its own space; the CTM maps it onto the page.
    double xs[4], ys[4];
    const double corners[4][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
    for (int i = 0; i < 4; ++i) state->transform(corners[i][0], corners[i][1], &xs[i], &ys[i]);
    BoundingBox b;
    b.x0 = static_cast<float>(std::max(0.0, *std::min_element(xs, xs + 4)));
    b.y0 = static_cast<float>(std::max(0.0, *std::min_element(ys, ys + 4)));
    b.x1 = static_cast<float>(std::min(page_w_, *std::max_element(xs, xs + 4)));
    b.y1 = static_cast<float>(std::min(page_h_, *std::max_element(ys, ys + 4)));
    if (b.x1 - b.x0 >= min_side_ && b.y1 - b.y0 >= min_side_) boxes_.push_back(b);
    // The default consumes an inline image's data so the content stream stays in step.
    OutputDev::drawImage(state, ref, str, width, height, color_map, interpolate, mask_colors,
                         inline_image);
  }

  const std::vector<BoundingBox>& boxes() const { return boxes_; }

 private:
  double min_side_;
  double page_w_ = 1e9, page_h_ = 1e9;
  std::vector<BoundingBox> boxes_;
};

}  // namespace

std::vector<std::vector<BoundingBox>> FindPdfImages(std::string_view bytes, double min_side) {
  std::vector<std::vector<BoundingBox>> pages;
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return pages;
  GlobalParamsIniter params(IgnorePopplerError);
  // The stream does not own the bytes; PDFDoc owns the stream.
  auto* stream =
      new MemStream(bytes.data(), 0, static_cast<Goffset>(bytes.size()), Object(objNull));
  PDFDoc doc(stream);
  if (!doc.isOk()) return pages;
  const int n = doc.getNumPages();
  pages.resize(static_cast<size_t>(std::max(n, 0)));
  ImageFinder finder(min_side);
  for (int p = 1; p <= n; ++p) {
    doc.displayPage(&finder, p, 72, 72, 0, /*useMediaBox=*/false, /*crop=*/true,
                    /*printing=*/false);
    pages[p - 1] = finder.boxes();
  }
  return pages;
}

}  // namespace ragdb::rag
