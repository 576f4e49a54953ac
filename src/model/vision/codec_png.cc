// PNG through libpng's simplified API: the header gives the size before any pixel is inflated,
// and the output buffer is sized from it, so a decompression bomb cannot grow memory further.
#include <png.h>

#include <cstdint>
#include <cstring>
#include <memory>

#include "model/vision/codecs.h"

namespace ragdb::vision::internal {
namespace {

struct PngImage {
  png_image image;
  PngImage() {
    std::memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
  }
  ~PngImage() { png_image_free(&image); }
};

Status PngError(const png_image& image, std::string_view what) {
  std::string msg = image.message[0] ? image.message : "unknown error";
  // libpng words a cut-off file as "Not enough image data" / "IDAT: ... too short".
  return Status::Corruption("png: " + std::string(what) + " (" + msg + ")");
}

uint32_t Be32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(b[at])) << 24 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[at + 3]));
}

// The size from the IHDR chunk, which the format puts first, right after the signature. Read
// by hand so that a file that is nothing but a hostile header is judged by its size first.
Result<std::pair<uint32_t, uint32_t>> HeaderSize(std::string_view bytes) {
  if (bytes.size() < 24 || bytes.substr(12, 4) != "IHDR") {
    return Status::Corruption("png: truncated or missing IHDR header");
  }
  return std::pair{Be32(bytes, 16), Be32(bytes, 20)};
}

}  // namespace

Result<ImageInfo> PngInfo(std::string_view bytes) {
  RAGDB_ASSIGN_OR_RETURN(auto size, HeaderSize(bytes));
  if (size.first > INT32_MAX || size.second > INT32_MAX) {
    return Status::Corruption("png: invalid size in the IHDR header");
  }
  return ImageInfo{ImageFormat::kPng, static_cast<int>(size.first), static_cast<int>(size.second),
                   1};
}

Result<Image> DecodePng(std::string_view bytes, const ImageLimits& limits) {
  RAGDB_ASSIGN_OR_RETURN(auto size, HeaderSize(bytes));
  RAGDB_RETURN_IF_ERROR(CheckSize("png", size.first, size.second, limits));
  PngImage p;
  if (!png_image_begin_read_from_memory(&p.image, bytes.data(), bytes.size())) {
    return PngError(p.image, "unreadable header");
  }
  RAGDB_RETURN_IF_ERROR(CheckSize("png", p.image.width, p.image.height, limits));
  p.image.format = PNG_FORMAT_RGBA;
  const size_t pixels = static_cast<size_t>(p.image.width) * p.image.height;
  std::vector<uint8_t> rgba(pixels * 4);
  if (!png_image_finish_read(&p.image, nullptr, rgba.data(), 0, nullptr)) {
    return PngError(p.image, "truncated or damaged image data");
  }
  Image out;
  out.width = static_cast<int>(p.image.width);
  out.height = static_cast<int>(p.image.height);
  out.rgb.resize(pixels * 3);
  RgbaOnWhite(rgba.data(), pixels, out.rgb.data());
  return out;
}

Result<std::string> EncodePngImage(const Image& image) {
  PngImage p;
  p.image.width = static_cast<png_uint_32>(image.width);
  p.image.height = static_cast<png_uint_32>(image.height);
  p.image.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&p.image, nullptr, &size, 0, image.rgb.data(), 0, nullptr)) {
    return Status::Internal(std::string("png: cannot encode: ") + p.image.message);
  }
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&p.image, out.data(), &size, 0, image.rgb.data(), 0, nullptr)) {
    return Status::Internal(std::string("png: cannot encode: ") + p.image.message);
  }
  out.resize(size);
  return out;
}

}  // namespace ragdb::vision::internal
