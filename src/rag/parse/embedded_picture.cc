#include "rag/parse/embedded_picture.h"

#include "model/vision/image.h"
#include "rag/parse/ocr.h"

namespace ragdb::rag {

Status AddEmbeddedPicture(std::string bytes, const std::string& name, const std::string& caption,
                          const ParseOptions& options, DocumentBuilder* builder) {
  const bool keep = options.extract_images && builder->image_count() < options.max_images;
  const OcrOptions& ocr = options.ocr;
  if (!keep && ocr.mode == OcrMode::kNever) return Status::Ok();
  if (vision::SniffImageFormat(bytes) == vision::ImageFormat::kUnknown) return Status::Ok();
  auto img = vision::DecodeImage(bytes, options.image_limits);
  if (!img.ok()) return Status::Ok();
  if (keep) {
    DocumentImage di;
    di.bytes = std::move(bytes);
    di.name = name;
    di.width = img->width;
    di.height = img->height;
    di.caption = caption;
    builder->AddImage(std::move(di));
  }
  if (ocr.mode == OcrMode::kNever || img->width < ocr.min_picture_side ||
      img->height < ocr.min_picture_side) {
    return Status::Ok();
  }
  RAGDB_ASSIGN_OR_RETURN(OcrPage page, RecognizeText(*img, ocr));
  // In auto mode a photo's texture must not turn into words: keep only confident text.
  if (ocr.mode == OcrMode::kAuto && (page.words < 3 || page.mean_confidence < 60)) {
    return Status::Ok();
  }
  // Boxes would be in the picture's pixels, not on a page: the blocks carry none.
  OcrPage unboxed = page;
  for (OcrParagraph& p : unboxed.paragraphs) p.box = {};
  AddOcrText(unboxed, 1.0, builder);
  return Status::Ok();
}

}  // namespace ragdb::rag
