// Image files (PNG, JPEG, WebP, TIFF; every page of a multi-page TIFF): text by OCR, one block
// per paragraph with its bounding box in the image's pixels, and the picture itself for image
// search. The decoder's limits (vision/image.h) apply before any pixel is allocated, so a
// hostile header is refused in microseconds.
#include "model/vision/image.h"
#include "rag/document_builder.h"
#include "rag/parse/ocr.h"
#include "rag/parse/parsers.h"

namespace ragdb::rag {

Result<ParsedDocument> ParseImage(std::string_view bytes, const ParseOptions& options) {
  RAGDB_ASSIGN_OR_RETURN(vision::ImageInfo info, vision::ReadImageInfo(bytes));
  const std::string format(vision::ImageFormatName(info.format));
  if (info.pages > options.image_limits.max_pages) {
    return Status::ResourceExhausted(format + ": " + std::to_string(info.pages) +
                                     " pages, over the limit of " +
                                     std::to_string(options.image_limits.max_pages));
  }
  DocumentBuilder builder(Format::kImage);
  builder.set_page_count(info.pages);
  for (int p = 0; p < info.pages; ++p) {
    RAGDB_ASSIGN_OR_RETURN(vision::Image img, vision::DecodeImage(bytes, options.image_limits, p));
    builder.set_page(p + 1);
    if (options.extract_images && builder.image_count() < options.max_images) {
      DocumentImage di;
      // A single-page file is kept as it is; a TIFF page is re-encoded on its own.
      if (info.pages == 1) {
        di.bytes = std::string(bytes);
      } else {
        RAGDB_ASSIGN_OR_RETURN(di.bytes, vision::EncodePng(img));
      }
      di.name = info.pages == 1 ? format : "page " + std::to_string(p + 1);
      di.width = img.width;
      di.height = img.height;
      di.page = p + 1;
      builder.AddImage(std::move(di));
    }
    if (options.ocr.mode == OcrMode::kNever) continue;
    RAGDB_ASSIGN_OR_RETURN(OcrPage page, RecognizeText(img, options.ocr));
    if (AddOcrText(page, 1.0, &builder) > 0) builder.add_ocr_page();
  }
  return std::move(builder).Finish();
}

}  // namespace ragdb::rag
