// One decoder per format, each in codec_<format>.cc; called through image.h, which sniffed the
// format. Each checks the header's size against the limits before allocating pixels.
#pragma once

#include <string_view>

#include "model/vision/image.h"

namespace ragdb::vision::internal {

Result<ImageInfo> PngInfo(std::string_view bytes);
Result<Image> DecodePng(std::string_view bytes, const ImageLimits& limits);
Result<std::string> EncodePngImage(const Image& image);

Result<ImageInfo> JpegInfo(std::string_view bytes);
Result<Image> DecodeJpeg(std::string_view bytes, const ImageLimits& limits);
Result<std::string> EncodeJpegImage(const Image& image, int quality);

Result<ImageInfo> WebpInfo(std::string_view bytes);
Result<Image> DecodeWebp(std::string_view bytes, const ImageLimits& limits);

Result<ImageInfo> TiffInfo(std::string_view bytes);
Result<Image> DecodeTiff(std::string_view bytes, const ImageLimits& limits, int page);

// ResourceExhausted naming the format and size when width x height is over the limit, or the
// size is not positive (InvalidArgument).
Status CheckSize(std::string_view format, int64_t width, int64_t height, const ImageLimits& limits);

// Composites RGBA (straight alpha) onto white, into RGB.
void RgbaOnWhite(const uint8_t* rgba, size_t pixels, uint8_t* rgb);

}  // namespace ragdb::vision::internal
