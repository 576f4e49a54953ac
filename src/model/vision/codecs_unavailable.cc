// Builds without the image libraries (RAGDB_WITH_IMAGE_CODECS=OFF, the aarch64 edge preset):
// image.cc still sniffs formats, and every decode or encode says what the build lacks.
#include "model/vision/codecs.h"

namespace ragdb::vision::internal {
namespace {

Status Unavailable(std::string_view format) {
  return Status::Unimplemented(std::string(format) +
                               ": this build has no image codecs (built with "
                               "RAGDB_WITH_IMAGE_CODECS=OFF, as the aarch64 edge preset is)");
}

}  // namespace

Result<ImageInfo> PngInfo(std::string_view) { return Unavailable("png"); }
Result<Image> DecodePng(std::string_view, const ImageLimits&) { return Unavailable("png"); }
Result<std::string> EncodePngImage(const Image&) { return Unavailable("png"); }

Result<ImageInfo> JpegInfo(std::string_view) { return Unavailable("jpeg"); }
Result<Image> DecodeJpeg(std::string_view, const ImageLimits&) { return Unavailable("jpeg"); }
Result<std::string> EncodeJpegImage(const Image&, int) { return Unavailable("jpeg"); }

Result<ImageInfo> WebpInfo(std::string_view) { return Unavailable("webp"); }
Result<Image> DecodeWebp(std::string_view, const ImageLimits&) { return Unavailable("webp"); }

Result<ImageInfo> TiffInfo(std::string_view) { return Unavailable("tiff"); }
Result<Image> DecodeTiff(std::string_view, const ImageLimits&, int) { return Unavailable("tiff"); }

}  // namespace ragdb::vision::internal
