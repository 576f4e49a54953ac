// PDF through poppler-cpp: text per page in physical layout, blocks from pdf_layout.h; pages
// without a usable text layer through OCR; pictures found by pdf_images.h and cut from a render.
//
// Checks before poppler sees the bytes: a "%PDF-" header in the first KiB and a "%%EOF" marker in
// the last 4 KiB. poppler silently rebuilds a cut-off file from what is left, which would index
// a partial document without anyone noticing; we report it as Corruption instead. Encrypted
// files are PermissionDenied. A file with no text at all (a scan with OCR off) is
// InvalidArgument, unless pictures were kept.
//
// OCR (ParseOptions::ocr): "auto" renders and recognizes the pages whose text layer is empty or
// garbage (mostly characters that are not letters, digits or punctuation: a broken font
// encoding), "always" every page, "never" none. OCR'd blocks carry their box in points from the
// page's top-left corner.
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <climits>
#include <cmath>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/utf8.h"
#include "rag/document_builder.h"
#include "rag/parse/ocr.h"
#include "rag/parse/parsers.h"
#include "rag/parse/pdf_images.h"
#include "rag/parse/pdf_layout.h"
#include "rag/text_clean.h"

namespace ragdb::rag {

namespace {

void IgnorePopplerMessage(const std::string&, void*) {}

// A text layer worth keeping: some text, and mostly letters, digits, CJK or punctuation. A
// layer of U+FFFD, private-use or control characters comes from fonts without a Unicode map.
bool TextLayerUsable(std::string_view text) {
  size_t good = 0, bad = 0;
  size_t i = 0;
  while (i < text.size()) {
    char32_t c = 0;
    if (!ragdb::DecodeUtf8(text, &i, &c)) {
      ++i;
      ++bad;
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') continue;
    const bool garbage =
        c == 0xFFFD || (c >= 0xE000 && c <= 0xF8FF) || c < 0x20 || (c >= 0x7F && c < 0xA0);
    (garbage ? bad : good)++;
  }
  return good >= 8 && bad * 10 < good + bad;
}

// Renders a page to RGB at `dpi` (lowered so that the page stays within the pixel limit).
// Returns the image and the resolution used.
Result<std::pair<vision::Image, double>> RenderPage(const poppler::page& page, double dpi,
                                                    const vision::ImageLimits& limits) {
  poppler::rectf rect = page.page_rect(poppler::crop_box);
  const double w_in = std::max(rect.width(), 1.0) / 72.0,
               h_in = std::max(rect.height(), 1.0) / 72.0;
  const double max_dpi = std::sqrt(static_cast<double>(limits.max_pixels) / (w_in * h_in));
  dpi = std::max(1.0, std::min(dpi, std::floor(max_dpi)));
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_image_format(poppler::image::format_argb32);
  poppler::image img = renderer.render_page(&page, dpi, dpi);
  if (!img.is_valid() || img.width() <= 0 || img.height() <= 0) {
    return Status::Corruption("pdf: poppler could not render the page");
  }
  vision::Image out;
  out.width = img.width();
  out.height = img.height();
  out.rgb.resize(static_cast<size_t>(out.width) * out.height * 3);
  const char* data = img.const_data();
  for (int y = 0; y < out.height; ++y) {
    // format_argb32 is 0xAARRGGBB per pixel: B, G, R, A in memory (the paper is opaque white).
    const auto* row = reinterpret_cast<const unsigned char*>(data + y * img.bytes_per_row());
    uint8_t* dst = &out.rgb[static_cast<size_t>(y) * out.width * 3];
    for (int x = 0; x < out.width; ++x) {
      dst[3 * x] = row[4 * x + 2];
      dst[3 * x + 1] = row[4 * x + 1];
      dst[3 * x + 2] = row[4 * x];
    }
  }
  return std::pair{std::move(out), dpi};
}

bool LooksLikeCaption(std::string_view t) {
  for (std::string_view p : {"Figure", "Fig.", "FIGURE", "Chart", "Image", "Photo", "图", "圖"}) {
    if (t.starts_with(p)) return true;
  }
  return false;
}

}  // namespace

Result<ParsedDocument> ParsePdf(std::string_view bytes, const ParseOptions& options) {
  if (bytes.substr(0, 1024).find("%PDF-") == std::string_view::npos) {
    return Status::InvalidArgument("pdf: not a PDF file (no %PDF- header)");
  }
  std::string_view tail = bytes.substr(bytes.size() > 4096 ? bytes.size() - 4096 : 0);
  if (tail.find("%%EOF") == std::string_view::npos) {
    return Status::Corruption("pdf: truncated file (no %%EOF marker at the end)");
  }
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return Status::ResourceExhausted("pdf: input over 2 GiB");
  }
  static std::once_flag quiet;
  std::call_once(quiet, [] { poppler::set_debug_error_function(IgnorePopplerMessage, nullptr); });

  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!doc) return Status::Corruption("pdf: poppler could not load the document (damaged file)");
  if (doc->is_locked()) return Status::PermissionDenied("pdf: encrypted, a password is needed");

  DocumentBuilder builder(Format::kPdf);
  int pages = doc->pages();
  builder.set_page_count(pages);
  poppler::ustring title = doc->get_title();
  if (!title.empty()) {
    poppler::byte_array t = title.to_utf8();
    std::string s(t.begin(), t.end());
    if (FindInvalidUtf8(s) == std::string::npos) builder.set_title(s);
  }
  // Pictures of at least ~1 inch: smaller ones are logos, bullets and rules.
  std::vector<std::vector<BoundingBox>> pictures;
  if (options.extract_images) pictures = FindPdfImages(bytes, 72.0);
  const OcrMode mode = options.ocr.mode;
  for (int p = 0; p < pages; ++p) {
    std::unique_ptr<poppler::page> page(doc->create_page(p));
    if (!page) continue;
    poppler::byte_array utf8 =
        page->text(poppler::rectf(), poppler::page::physical_layout).to_utf8();
    std::string text(utf8.begin(), utf8.end());
    if (FindInvalidUtf8(text) != std::string::npos) text = Latin1ToUtf8(text);
    builder.set_page(p + 1);
    const size_t blocks_before = builder.block_count();
    const bool ocr = mode == OcrMode::kAlways || (mode == OcrMode::kAuto && !TextLayerUsable(text));
    const bool has_pictures = static_cast<size_t>(p) < pictures.size() && !pictures[p].empty();
    std::optional<std::pair<vision::Image, double>> render;
    if (ocr || has_pictures) {
      RAGDB_ASSIGN_OR_RETURN(
          render, RenderPage(*page, ocr ? options.ocr.pdf_dpi : 150, options.image_limits));
    }
    if (ocr) {
      RAGDB_ASSIGN_OR_RETURN(OcrPage recognized, RecognizeText(render->first, options.ocr,
                                                               static_cast<int>(render->second)));
      if (AddOcrText(recognized, 72.0 / render->second, &builder) > 0) builder.add_ocr_page();
    } else {
      AddPdfPageText(text, &builder);
    }
    if (!has_pictures) continue;
    // A caption is a "Figure ..." paragraph of the same page.
    std::string caption;
    for (size_t b = blocks_before; b < builder.block_count() && caption.empty(); ++b) {
      const std::string& t = builder.block(b).text;
      if (LooksLikeCaption(t)) caption = t.substr(0, 300);
    }
    const double scale = render->second / 72.0;
    for (size_t k = 0; k < pictures[p].size() && builder.image_count() < options.max_images; ++k) {
      const BoundingBox& box = pictures[p][k];
      vision::Image crop = vision::Crop(
          render->first, static_cast<int>(box.x0 * scale), static_cast<int>(box.y0 * scale),
          static_cast<int>(std::ceil(box.x1 * scale)), static_cast<int>(std::ceil(box.y1 * scale)));
      if (crop.empty()) continue;
      DocumentImage di;
      RAGDB_ASSIGN_OR_RETURN(di.bytes, vision::EncodePng(crop));
      di.name = "page " + std::to_string(p + 1) + " image " + std::to_string(k + 1);
      di.width = crop.width;
      di.height = crop.height;
      di.page = p + 1;
      di.bbox = box;
      di.caption = caption;
      builder.AddImage(std::move(di));
    }
  }
  if (builder.block_count() == 0 && builder.image_count() == 0) {
    return Status::InvalidArgument(
        "pdf: no extractable text in " + std::to_string(pages) + " page(s)" +
        (mode == OcrMode::kNever ? " (scanned pages need OCR: --ocr auto)"
                                 : " (OCR found none either)"));
  }
  return std::move(builder).Finish();
}

}  // namespace ragdb::rag
