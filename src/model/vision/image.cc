#include "model/vision/image.h"

#include <algorithm>
#include <cstring>

#include "model/vision/codecs.h"

namespace ragdb::vision {

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng:
      return "png";
    case ImageFormat::kJpeg:
      return "jpeg";
    case ImageFormat::kWebp:
      return "webp";
    case ImageFormat::kTiff:
      return "tiff";
    case ImageFormat::kUnknown:
      break;
  }
  return "unknown";
}

ImageFormat SniffImageFormat(std::string_view b) {
  if (b.starts_with("\x89PNG\r\n\x1a\n")) return ImageFormat::kPng;
  if (b.starts_with("\xff\xd8\xff")) return ImageFormat::kJpeg;
  if (b.size() >= 12 && b.starts_with("RIFF") && b.substr(8, 4) == "WEBP") {
    return ImageFormat::kWebp;
  }
  if (b.starts_with(std::string_view("II*\0", 4)) || b.starts_with(std::string_view("MM\0*", 4)) ||
      b.starts_with(std::string_view("II+\0", 4)) || b.starts_with(std::string_view("MM\0+", 4))) {
    return ImageFormat::kTiff;  // classic and BigTIFF, both byte orders
  }
  return ImageFormat::kUnknown;
}

Result<ImageInfo> ReadImageInfo(std::string_view bytes) {
  switch (SniffImageFormat(bytes)) {
    case ImageFormat::kPng:
      return internal::PngInfo(bytes);
    case ImageFormat::kJpeg:
      return internal::JpegInfo(bytes);
    case ImageFormat::kWebp:
      return internal::WebpInfo(bytes);
    case ImageFormat::kTiff:
      return internal::TiffInfo(bytes);
    case ImageFormat::kUnknown:
      break;
  }
  return Status::InvalidArgument("image: not a PNG, JPEG, WebP or TIFF file");
}

Result<Image> DecodeImage(std::string_view bytes, const ImageLimits& limits, int page) {
  ImageFormat format = SniffImageFormat(bytes);
  if (page != 0 && format != ImageFormat::kTiff) {
    return Status::InvalidArgument(std::string(ImageFormatName(format)) + ": has a single page");
  }
  switch (format) {
    case ImageFormat::kPng:
      return internal::DecodePng(bytes, limits);
    case ImageFormat::kJpeg:
      return internal::DecodeJpeg(bytes, limits);
    case ImageFormat::kWebp:
      return internal::DecodeWebp(bytes, limits);
    case ImageFormat::kTiff:
      return internal::DecodeTiff(bytes, limits, page);
    case ImageFormat::kUnknown:
      break;
  }
  return Status::InvalidArgument("image: not a PNG, JPEG, WebP or TIFF file");
}

Result<std::string> EncodeJpeg(const Image& image, int quality) {
  if (image.empty()) return Status::InvalidArgument("jpeg: empty image");
  return internal::EncodeJpegImage(image, std::clamp(quality, 1, 100));
}

Result<std::string> EncodePng(const Image& image) {
  if (image.empty()) return Status::InvalidArgument("png: empty image");
  return internal::EncodePngImage(image);
}

Image Crop(const Image& image, int x0, int y0, int x1, int y1) {
  x0 = std::clamp(x0, 0, image.width);
  x1 = std::clamp(x1, x0, image.width);
  y0 = std::clamp(y0, 0, image.height);
  y1 = std::clamp(y1, y0, image.height);
  Image out;
  out.width = x1 - x0;
  out.height = y1 - y0;
  out.rgb.resize(static_cast<size_t>(out.width) * out.height * 3);
  for (int y = 0; y < out.height; ++y) {
    std::memcpy(&out.rgb[static_cast<size_t>(y) * out.width * 3],
                &image.rgb[(static_cast<size_t>(y + y0) * image.width + x0) * 3],
                static_cast<size_t>(out.width) * 3);
  }
  return out;
}

namespace internal {

Status CheckSize(std::string_view format, int64_t width, int64_t height,
                 const ImageLimits& limits) {
  if (width <= 0 || height <= 0) {
    return Status::InvalidArgument(std::string(format) + ": image of " + std::to_string(width) +
                                   " x " + std::to_string(height) + " pixels");
  }
  const uint64_t pixels = static_cast<uint64_t>(width) * static_cast<uint64_t>(height);
  if (pixels > limits.max_pixels) {
    return Status::ResourceExhausted(
        std::string(format) + ": image of " + std::to_string(width) + " x " +
        std::to_string(height) + " pixels (" + std::to_string(pixels / 1'000'000) +
        " megapixels) is over the limit of " + std::to_string(limits.max_pixels / 1'000'000) +
        " megapixels; refusing to decode it");
  }
  return Status::Ok();
}

void RgbaOnWhite(const uint8_t* rgba, size_t pixels, uint8_t* rgb) {
  for (size_t i = 0; i < pixels; ++i) {
    const unsigned a = rgba[4 * i + 3];
    for (int c = 0; c < 3; ++c) {
      // a * v + (255 - a) * 255, divided by 255 with rounding.
      const unsigned v = a * rgba[4 * i + c] + (255 - a) * 255 + 127;
      rgb[3 * i + c] = static_cast<uint8_t>(v / 255);
    }
  }
}

}  // namespace internal
}  // namespace ragdb::vision
