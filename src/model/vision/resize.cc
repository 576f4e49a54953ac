#include "model/vision/resize.h"

#include <algorithm>
#include <cmath>

namespace ragdb::vision {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double Bicubic(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double Bilinear(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

// For each output pixel: the first input pixel, how many follow, and their fixed-point weights
// (Pillow's precompute_coeffs + normalize_coeffs_8bpc).
struct Coefficients {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;  // [out x ksize]
};

Coefficients Precompute(int in_size, int out_size, ResizeFilter filter) {
  const double support_base = filter == ResizeFilter::kBicubic ? 2.0 : 1.0;
  double (*kernel)(double) = filter == ResizeFilter::kBicubic ? Bicubic : Bilinear;
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = support_base * filterscale;
  Coefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> k(c.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = kernel((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (int x = 0; x < xmax; ++x) {
      double w = ww != 0.0 ? k[x] / ww : k[x];
      c.weights[static_cast<size_t>(xx) * c.ksize + x] = static_cast<int32_t>(
          w < 0 ? -0.5 + w * (1 << kPrecisionBits) : 0.5 + w * (1 << kPrecisionBits));
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

inline uint8_t Clip8(int64_t v) {
  if (v >= (int64_t{1} << kPrecisionBits << 8)) return 255;
  if (v <= 0) return 0;
  return static_cast<uint8_t>(v >> kPrecisionBits);
}

// Rows [row0, row0 + out.height) of `in`, each resampled horizontally.
void Horizontal(const Image& in, int row0, const Coefficients& c, Image* out) {
  for (int y = 0; y < out->height; ++y) {
    const uint8_t* src = &in.rgb[static_cast<size_t>(y + row0) * in.width * 3];
    uint8_t* dst = &out->rgb[static_cast<size_t>(y) * out->width * 3];
    for (int xx = 0; xx < out->width; ++xx) {
      const int32_t* k = &c.weights[static_cast<size_t>(xx) * c.ksize];
      const uint8_t* p = src + static_cast<size_t>(c.first[xx]) * 3;
      int64_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
      for (int x = 0; x < c.count[xx]; ++x) {
        s0 += static_cast<int64_t>(p[3 * x]) * k[x];
        s1 += static_cast<int64_t>(p[3 * x + 1]) * k[x];
        s2 += static_cast<int64_t>(p[3 * x + 2]) * k[x];
      }
      dst[3 * xx] = Clip8(s0);
      dst[3 * xx + 1] = Clip8(s1);
      dst[3 * xx + 2] = Clip8(s2);
    }
  }
}

// `first` is relative to the rows `in` holds.
void Vertical(const Image& in, const Coefficients& c, int shift, Image* out) {
  const size_t stride = static_cast<size_t>(in.width) * 3;
  for (int yy = 0; yy < out->height; ++yy) {
    const int32_t* k = &c.weights[static_cast<size_t>(yy) * c.ksize];
    const uint8_t* src = &in.rgb[static_cast<size_t>(c.first[yy] - shift) * stride];
    uint8_t* dst = &out->rgb[static_cast<size_t>(yy) * stride];
    for (size_t x = 0; x < stride; ++x) {
      int64_t s = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < c.count[yy]; ++y) s += static_cast<int64_t>(src[y * stride + x]) * k[y];
      dst[x] = Clip8(s);
    }
  }
}

}  // namespace

Image Resize(const Image& image, int width, int height, ResizeFilter filter) {
  if (width == image.width && height == image.height) return image;
  const Coefficients horiz = Precompute(image.width, width, filter);
  const Coefficients vert = Precompute(image.height, height, filter);
  const bool need_h = width != image.width;
  const bool need_v = height != image.height;
  // Pillow's horizontal pass only covers the rows the vertical pass reads.
  const int row_first = vert.first[0];
  const int row_last = vert.first[height - 1] + vert.count[height - 1];
  Image tmp;
  const Image* src = &image;
  int shift = 0;
  if (need_h) {
    tmp.width = width;
    tmp.height = need_v ? row_last - row_first : image.height;
    tmp.rgb.resize(static_cast<size_t>(tmp.width) * tmp.height * 3);
    Horizontal(image, need_v ? row_first : 0, horiz, &tmp);
    src = &tmp;
    shift = need_v ? row_first : 0;
  }
  if (!need_v) return tmp;
  Image out;
  out.width = width;
  out.height = height;
  out.rgb.resize(static_cast<size_t>(width) * height * 3);
  Vertical(*src, vert, shift, &out);
  return out;
}

Image ShrinkToFit(const Image& image, int max_side) {
  const int longer = std::max(image.width, image.height);
  if (longer <= max_side || max_side <= 0) return image;
  const double s = static_cast<double>(max_side) / longer;
  const int w = std::max(1, static_cast<int>(std::lround(image.width * s)));
  const int h = std::max(1, static_cast<int>(std::lround(image.height * s)));
  return Resize(image, w, h, ResizeFilter::kBilinear);
}

}  // namespace ragdb::vision
