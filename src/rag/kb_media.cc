#include "rag/kb_media.h"

#include "base/base64.h"
#include "model/vision/image.h"
#include "model/vision/resize.h"

namespace ragdb::rag {

Json ReadOptions::ToJson() const { return {{"ocr", ocr}, {"ocr_languages", ocr_languages}}; }

Result<ParseOptions> ParseOptionsFor(const ReadOptions& read, bool keep_images) {
  ParseOptions o;
  RAGDB_ASSIGN_OR_RETURN(o.ocr.mode, ParseOcrMode(read.ocr));
  if (read.ocr_languages.empty() ||
      read.ocr_languages.find_first_not_of("abcdefghijklmnopqrstuvwxyz_+") != std::string::npos) {
    return Status::InvalidArgument(
        "ocr languages must be Tesseract names joined by '+' (eng, "
        "chi_sim, eng+chi_sim), not '" +
        read.ocr_languages + "'");
  }
  o.ocr.languages = read.ocr_languages;
  o.extract_images = keep_images;
  return o;
}

namespace {

Json BoxJson(const BoundingBox& b) { return Json::array({b.x0, b.y0, b.x1, b.y1}); }

}  // namespace

void AddChunkPayload(const Chunk& c, const ParsedDocument& doc, Json* payload) {
  Json& p = *payload;
  p["kind"] = c.table ? "table" : "text";
  if (c.table) {
    p["table"] = {{"rows", {c.first_table_row, c.last_table_row}}};
    if (!c.table_info.sheet.empty()) p["table"]["sheet"] = c.table_info.sheet;
    if (c.table_info.first_row > 0) {
      p["table"]["first_row"] = c.table_info.first_row;
      p["table"]["first_col"] = c.table_info.first_col;
    }
  }
  if (c.ocr) {
    p["ocr"] = true;
    if (!c.bbox.empty()) {
      p["bbox"] = BoxJson(c.bbox);
      p["bbox_units"] = doc.metadata.format == Format::kPdf ? "points" : "pixels";
    }
  }
}

Result<std::vector<Record>> PictureRecords(const KnowledgeBase::Impl& impl,
                                           const ParsedDocument& doc, const Json& base,
                                           const std::string& doc_id, int64_t version,
                                           size_t first_index) {
  std::vector<Record> out;
  if (!impl.image_embedder || doc.images.empty()) return out;
  std::vector<std::string> texts, pictures;
  for (const DocumentImage& img : doc.images) {
    std::string text = img.caption;
    if (!img.context.empty()) text += (text.empty() ? "" : "\n") + img.context;
    if (text.empty()) text = img.name;
    texts.push_back(std::move(text));
    pictures.push_back(img.bytes);
  }
  RAGDB_ASSIGN_OR_RETURN(auto text_vectors, impl.embedder->Embed(texts));
  RAGDB_ASSIGN_OR_RETURN(auto image_vectors, impl.image_embedder->EmbedImages(pictures));
  std::vector<std::string>().swap(pictures);
  for (size_t i = 0; i < doc.images.size(); ++i) {
    const DocumentImage& img = doc.images[i];
    Record r;
    r.id = PointId(ChunkId(doc_id, version, first_index + i));
    r.vectors[kDenseField] = std::move(text_vectors[i]);
    r.vectors[kImageField] = std::move(image_vectors[i]);
    r.text = texts[i];
    r.payload = base;
    r.payload["chunk"] = first_index + i;
    r.payload["page"] = img.page;
    r.payload["start"] = img.offset;
    r.payload["end"] = img.offset;
    r.payload["heading_path"] = Json::array();
    r.payload["kind"] = "image";
    Json meta = {
        {"name", img.name}, {"width", img.width}, {"height", img.height}, {"caption", img.caption}};
    // A small JPEG to show with a hit; the original stays in the source document.
    auto decoded = vision::DecodeImage(img.bytes);
    if (decoded.ok()) {
      auto jpeg = vision::EncodeJpeg(vision::ShrinkToFit(*decoded, 256), 80);
      if (jpeg.ok()) meta["thumbnail"] = "data:image/jpeg;base64," + Base64Encode(*jpeg);
    }
    r.payload["image"] = std::move(meta);
    if (!img.bbox.empty()) {
      r.payload["bbox"] = BoxJson(img.bbox);
      r.payload["bbox_units"] = "points";
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ragdb::rag
