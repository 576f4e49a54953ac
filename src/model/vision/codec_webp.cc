// WebP through libwebp (still images; animated files need the demuxer and are refused).
#include <webp/decode.h>

#include "model/vision/codecs.h"

namespace ragdb::vision::internal {
namespace {

Result<WebPBitstreamFeatures> Features(std::string_view bytes) {
  WebPBitstreamFeatures f;
  VP8StatusCode code =
      WebPGetFeatures(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &f);
  if (code == VP8_STATUS_NOT_ENOUGH_DATA) return Status::Corruption("webp: truncated header");
  if (code != VP8_STATUS_OK) {
    return Status::Corruption("webp: unreadable header (libwebp status " + std::to_string(code) +
                              ")");
  }
  if (f.has_animation) return Status::InvalidArgument("webp: animated WebP is not supported");
  return f;
}

}  // namespace

Result<ImageInfo> WebpInfo(std::string_view bytes) {
  RAGDB_ASSIGN_OR_RETURN(WebPBitstreamFeatures f, Features(bytes));
  return ImageInfo{ImageFormat::kWebp, f.width, f.height, 1};
}

Result<Image> DecodeWebp(std::string_view bytes, const ImageLimits& limits) {
  RAGDB_ASSIGN_OR_RETURN(WebPBitstreamFeatures f, Features(bytes));
  RAGDB_RETURN_IF_ERROR(CheckSize("webp", f.width, f.height, limits));
  const size_t pixels = static_cast<size_t>(f.width) * f.height;
  std::vector<uint8_t> rgba(pixels * 4);
  if (WebPDecodeRGBAInto(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), rgba.data(),
                         rgba.size(), f.width * 4) == nullptr) {
    return Status::Corruption("webp: truncated or damaged image data");
  }
  Image out;
  out.width = f.width;
  out.height = f.height;
  out.rgb.resize(pixels * 3);
  RgbaOnWhite(rgba.data(), pixels, out.rgb.data());
  return out;
}

}  // namespace ragdb::vision::internal
