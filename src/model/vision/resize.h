// Image resizing that reproduces Pillow's Image.resize exactly (Resample.c: separable
// convolution, horizontal pass first, filter support widened by the scale when shrinking so that
// downscaling averages instead of aliasing, coefficients in 22-bit fixed point, rounding and
// clamping to 8 bits after each pass). CLIP's image processor resizes with Pillow, so matching
// it bit for bit keeps our embeddings equal to the reference ones.
#pragma once

#include "model/vision/image.h"

namespace ragdb::vision {

enum class ResizeFilter {
  kBilinear,  // Pillow BILINEAR (triangle, support 1)
  kBicubic,   // Pillow BICUBIC (Keys, a = -0.5, support 2)
};

// `width` and `height` must be positive.
Image Resize(const Image& image, int width, int height,
             ResizeFilter filter = ResizeFilter::kBicubic);

// Scales so that the longer side is at most `max_side` (never enlarges).
Image ShrinkToFit(const Image& image, int max_side);

}  // namespace ragdb::vision
