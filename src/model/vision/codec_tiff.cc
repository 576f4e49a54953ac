// TIFF through libtiff, read from memory with per-handle error handlers (no global state, no
// stderr). Every page (directory) can be decoded; TIFFReadRGBAImage handles the photometric
// interpretations, bit depths and compressions libtiff knows. libtiff's own single-allocation
// cap is set too, so a lying strip size cannot allocate past the pixel limit.
#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>

#include "model/vision/codecs.h"

namespace ragdb::vision::internal {
namespace {

struct MemoryFile {
  std::string_view bytes;
  uint64_t pos = 0;
  std::string error;  // libtiff's first error message
};

tmsize_t ReadProc(thandle_t h, void* buf, tmsize_t size) {
  auto* f = static_cast<MemoryFile*>(h);
  if (f->pos >= f->bytes.size() || size <= 0) return 0;
  const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(size), f->bytes.size() - f->pos);
  std::memcpy(buf, f->bytes.data() + f->pos, n);
  f->pos += n;
  return static_cast<tmsize_t>(n);
}
tmsize_t WriteProc(thandle_t, void*, tmsize_t) { return -1; }
toff_t SeekProc(thandle_t h, toff_t off, int whence) {
  auto* f = static_cast<MemoryFile*>(h);
  uint64_t base = whence == SEEK_CUR ? f->pos : whence == SEEK_END ? f->bytes.size() : 0;
  f->pos = base + off;
  return f->pos;
}
int CloseProc(thandle_t) { return 0; }
toff_t SizeProc(thandle_t h) { return static_cast<MemoryFile*>(h)->bytes.size(); }
int MapProc(thandle_t, void**, toff_t*) { return 0; }
void UnmapProc(thandle_t, void*, toff_t) {}

int OnError(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  auto* f = static_cast<MemoryFile*>(user);
  if (f->error.empty()) {
    char buf[512];
    std::vsnprintf(buf, sizeof(buf), fmt, ap);
    f->error = buf;
  }
  return 1;
}
int OnWarning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct TiffCloser {
  void operator()(TIFF* t) const { TIFFClose(t); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

Result<TiffPtr> Open(MemoryFile* file, const ImageLimits& limits) {
  std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions*)> opts(TIFFOpenOptionsAlloc(),
                                                                    TIFFOpenOptionsFree);
  TIFFOpenOptionsSetErrorHandlerExtR(opts.get(), OnError, file);
  TIFFOpenOptionsSetWarningHandlerExtR(opts.get(), OnWarning, file);
  TIFFOpenOptionsSetMaxSingleMemAlloc(opts.get(),
                                      static_cast<tmsize_t>(limits.max_pixels * 4 + (1 << 20)));
  TIFF* t = TIFFClientOpenExt("memory", "rm", file, ReadProc, WriteProc, SeekProc, CloseProc,
                              SizeProc, MapProc, UnmapProc, opts.get());
  if (t == nullptr) {
    return Status::Corruption("tiff: unreadable header (" +
                              (file->error.empty() ? std::string("unknown error") : file->error) +
                              ")");
  }
  return TiffPtr(t);
}

std::pair<uint32_t, uint32_t> Size(TIFF* t) {
  uint32_t w = 0, h = 0;
  TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
  return {w, h};
}

}  // namespace

Result<ImageInfo> TiffInfo(std::string_view bytes) {
  MemoryFile file;
  file.bytes = bytes;
  RAGDB_ASSIGN_OR_RETURN(TiffPtr t, Open(&file, ImageLimits{}));
  auto [w, h] = Size(t.get());
  const int pages = static_cast<int>(TIFFNumberOfDirectories(t.get()));
  return ImageInfo{ImageFormat::kTiff, static_cast<int>(std::min<uint32_t>(w, INT32_MAX)),
                   static_cast<int>(std::min<uint32_t>(h, INT32_MAX)), std::max(pages, 1)};
}

Result<Image> DecodeTiff(std::string_view bytes, const ImageLimits& limits, int page) {
  MemoryFile file;
  file.bytes = bytes;
  RAGDB_ASSIGN_OR_RETURN(TiffPtr t, Open(&file, limits));
  if (page < 0 || page >= limits.max_pages) {
    return Status::ResourceExhausted("tiff: page " + std::to_string(page + 1) +
                                     " is past the limit of " + std::to_string(limits.max_pages) +
                                     " pages");
  }
  if (page > 0 && !TIFFSetDirectory(t.get(), static_cast<tdir_t>(page))) {
    return Status::InvalidArgument("tiff: no page " + std::to_string(page + 1));
  }
  auto [w, h] = Size(t.get());
  RAGDB_RETURN_IF_ERROR(CheckSize("tiff", w, h, limits));
  const size_t pixels = static_cast<size_t>(w) * h;
  std::vector<uint32_t> raster(pixels);
  if (!TIFFReadRGBAImageOriented(t.get(), w, h, raster.data(), ORIENTATION_TOPLEFT, 1)) {
    return Status::Corruption("tiff: truncated or damaged image data (" +
                              (file.error.empty() ? std::string("unknown error") : file.error) +
                              ")");
  }
  // libtiff hands alpha premultiplied, so compositing onto white is c + (255 - a).
  Image out;
  out.width = static_cast<int>(w);
  out.height = static_cast<int>(h);
  out.rgb.resize(pixels * 3);
  for (size_t i = 0; i < pixels; ++i) {
    const uint32_t p = raster[i];
    const uint32_t fill = 255 - TIFFGetA(p);
    out.rgb[3 * i + 0] = static_cast<uint8_t>(std::min<uint32_t>(255, TIFFGetR(p) + fill));
    out.rgb[3 * i + 1] = static_cast<uint8_t>(std::min<uint32_t>(255, TIFFGetG(p) + fill));
    out.rgb[3 * i + 2] = static_cast<uint8_t>(std::min<uint32_t>(255, TIFFGetB(p) + fill));
  }
  return out;
}

}  // namespace ragdb::vision::internal
