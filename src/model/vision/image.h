// Decoded raster images and the codecs that make them: PNG (libpng), JPEG (libjpeg-turbo), WebP
// (libwebp) and TIFF (libtiff, every page of a multi-page file).
//
// Decoding is for untrusted files, so the size is read from the header and checked against
// ImageLimits before any pixel buffer is allocated (a 30,000 x 30,000 PNG header is refused in
// microseconds), and truncated or damaged data is an error, never a half-grey picture: every
// codec's own recovery (libjpeg fills a cut-off file with grey, libpng and libtiff warn and go
// on) is turned into a Status. Messages start with the format name ("png: ...").
//
// Status codes: InvalidArgument = not an image of a supported format; Corruption = truncated or
// damaged data; ResourceExhausted = over ImageLimits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::vision {

enum class ImageFormat { kUnknown, kPng, kJpeg, kWebp, kTiff };

std::string_view ImageFormatName(ImageFormat format);  // "png", "jpeg", "webp", "tiff"
// From the first bytes (magic numbers), not from a file name.
ImageFormat SniffImageFormat(std::string_view bytes);

// 8-bit RGB, rows top to bottom, no padding: pixel (x, y) is rgb[3 * (y * width + x)].
// Transparent pixels are composited onto white (documents are drawn on white paper).
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;
  bool empty() const { return width == 0 || height == 0; }
};

struct ImageLimits {
  // Width x height; 50 megapixels holds a 600 dpi A4 scan (35 MP) and needs 150 MB as RGB.
  uint64_t max_pixels = 50'000'000;
  // Pages read from one multi-page TIFF.
  int max_pages = 2000;
};

struct ImageInfo {
  ImageFormat format = ImageFormat::kUnknown;
  int width = 0;  // of the first page
  int height = 0;
  int pages = 1;  // TIFF directories; 1 for the other formats
};

// The header only: format, size, page count. No pixel is decoded.
Result<ImageInfo> ReadImageInfo(std::string_view bytes);

// Decodes page `page` (0-based; only TIFF has more than one).
Result<Image> DecodeImage(std::string_view bytes, const ImageLimits& limits = {}, int page = 0);

// Encoders for thumbnails and fixtures.
Result<std::string> EncodeJpeg(const Image& image, int quality = 85);
Result<std::string> EncodePng(const Image& image);

// Cuts out the rectangle [x0, x1) x [y0, y1), clamped to the image.
Image Crop(const Image& image, int x0, int y0, int x1, int y1);

}  // namespace ragdb::vision
