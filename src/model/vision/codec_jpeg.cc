// JPEG through libjpeg-turbo. libjpeg reports errors by calling error_exit, which must not
// return: it longjmps back here. Its "premature end of data" is only a warning (the missing part
// is filled with grey); we make it an error, since a half-grey scan would be indexed silently.
// CMYK / YCCK files (Adobe, inverted) are converted to RGB here.
#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>

// jpeglib.h uses size_t and FILE without including their headers: keep it after them.
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include "model/vision/codecs.h"

namespace ragdb::vision::internal {
namespace {

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {0};
  bool truncated = false;
};

[[noreturn]] void OnError(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void OnMessage(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) err->truncated = true;
  // Other warnings (extraneous bytes before a marker, ...) are common in real files and harmless.
}

// Owns the decompressor; destroyed after any longjmp too, since it is outside the setjmp scope.
struct Decompressor {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  Decompressor() {
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = OnError;
    err.pub.emit_message = OnMessage;
    jpeg_create_decompress(&cinfo);
  }
  ~Decompressor() { jpeg_destroy_decompress(&cinfo); }
};

}  // namespace

Result<ImageInfo> JpegInfo(std::string_view bytes) {
  Decompressor d;
  if (setjmp(d.err.jump)) {
    return Status::Corruption(std::string("jpeg: unreadable header (") + d.err.message + ")");
  }
  jpeg_mem_src(&d.cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&d.cinfo, TRUE);
  return ImageInfo{ImageFormat::kJpeg, static_cast<int>(d.cinfo.image_width),
                   static_cast<int>(d.cinfo.image_height), 1};
}

Result<Image> DecodeJpeg(std::string_view bytes, const ImageLimits& limits) {
  Decompressor d;
  // Everything with a destructor is declared before setjmp: a longjmp must not skip one.
  Image out;
  std::vector<uint8_t> row;
  Status size;
  if (setjmp(d.err.jump)) {
    return Status::Corruption(std::string("jpeg: damaged file (") + d.err.message + ")");
  }
  jpeg_mem_src(&d.cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&d.cinfo, TRUE);
  size = CheckSize("jpeg", d.cinfo.image_width, d.cinfo.image_height, limits);
  if (!size.ok()) return size;
  const bool cmyk = d.cinfo.jpeg_color_space == JCS_CMYK || d.cinfo.jpeg_color_space == JCS_YCCK;
  d.cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(&d.cinfo);
  out.width = static_cast<int>(d.cinfo.output_width);
  out.height = static_cast<int>(d.cinfo.output_height);
  out.rgb.resize(static_cast<size_t>(out.width) * out.height * 3);
  row.resize(static_cast<size_t>(out.width) * d.cinfo.output_components);
  while (d.cinfo.output_scanline < d.cinfo.output_height && !d.err.truncated) {
    JSAMPROW rows[1] = {row.data()};
    const size_t y = d.cinfo.output_scanline;
    jpeg_read_scanlines(&d.cinfo, rows, 1);
    uint8_t* dst = &out.rgb[y * out.width * 3];
    if (!cmyk) {
      std::copy(row.begin(), row.end(), dst);
      continue;
    }
    for (int x = 0; x < out.width; ++x) {
      const unsigned k = row[4 * x + 3];  // Adobe writes inverted CMYK
      for (int c = 0; c < 3; ++c) dst[3 * x + c] = static_cast<uint8_t>(row[4 * x + c] * k / 255);
    }
  }
  if (d.err.truncated) {
    return Status::Corruption("jpeg: truncated file (the data ends at row " +
                              std::to_string(d.cinfo.output_scanline) + " of " +
                              std::to_string(out.height) + ")");
  }
  jpeg_finish_decompress(&d.cinfo);
  if (d.err.truncated) return Status::Corruption("jpeg: truncated file (no end-of-image marker)");
  return out;
}

Result<std::string> EncodeJpegImage(const Image& image, int quality) {
  jpeg_compress_struct cinfo;
  ErrorManager err;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = OnError;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    std::free(buffer);
    return Status::Internal(std::string("jpeg: cannot encode (") + err.message + ")");
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(image.width);
  cinfo.image_height = static_cast<JDIMENSION>(image.height);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW rows[1] = {const_cast<JSAMPROW>(
        &image.rgb[static_cast<size_t>(cinfo.next_scanline) * image.width * 3])};
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::string out(reinterpret_cast<const char*>(buffer), size);
  jpeg_destroy_compress(&cinfo);
  std::free(buffer);
  return out;
}

}  // namespace ragdb::vision::internal
