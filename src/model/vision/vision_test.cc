// Codecs on round trips and on hostile input (a 30,000 x 30,000 header, truncated files,
// garbage), and the resizer's invariants. Pillow equality of the resizer is checked through
// CLIP's preprocessing in clip_test.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <chrono>
#include <cstring>

#include "model/vision/image.h"
#include "model/vision/resize.h"

namespace ragdb::vision {
namespace {

Image Gradient(int w, int h) {
  Image img;
  img.width = w;
  img.height = h;
  img.rgb.resize(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &img.rgb[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(x * 255 / std::max(1, w - 1));
      p[1] = static_cast<uint8_t>(y * 255 / std::max(1, h - 1));
      p[2] = static_cast<uint8_t>((x + y) % 256);
    }
  }
  return img;
}

void PutBe32(std::string* s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A PNG that is only a signature and an IHDR chunk declaring width x height.
std::string PngHeader(uint32_t width, uint32_t height) {
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string chunk = "IHDR";
  PutBe32(&chunk, width);
  PutBe32(&chunk, height);
  chunk += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, no interlace
  PutBe32(&png, 13);
  png += chunk;
  PutBe32(&png, static_cast<uint32_t>(
                    crc32(0, reinterpret_cast<const Bytef*>(chunk.data()), chunk.size())));
  return png;
}

long MaxRssKb() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

TEST(Image, SniffsFormats) {
  EXPECT_EQ(SniffImageFormat(PngHeader(1, 1)), ImageFormat::kPng);
  EXPECT_EQ(SniffImageFormat("\xff\xd8\xff\xe0"), ImageFormat::kJpeg);
  EXPECT_EQ(SniffImageFormat(std::string("RIFF\0\0\0\0WEBPVP8 ", 16)), ImageFormat::kWebp);
  EXPECT_EQ(SniffImageFormat(std::string("II*\0", 4)), ImageFormat::kTiff);
  EXPECT_EQ(SniffImageFormat(std::string("MM\0*", 4)), ImageFormat::kTiff);
  EXPECT_EQ(SniffImageFormat("GIF89a"), ImageFormat::kUnknown);
}

TEST(Image, PngRoundTripIsExact) {
  Image img = Gradient(37, 23);
  auto png = EncodePng(img);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  auto info = ReadImageInfo(*png);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->format, ImageFormat::kPng);
  EXPECT_EQ(info->width, 37);
  EXPECT_EQ(info->height, 23);
  auto back = DecodeImage(*png);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->width, 37);
  EXPECT_EQ(back->rgb, img.rgb);
}

TEST(Image, JpegRoundTripIsClose) {
  Image img = Gradient(64, 48);
  auto jpg = EncodeJpeg(img, 95);
  ASSERT_TRUE(jpg.ok());
  auto back = DecodeImage(*jpg);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->rgb.size(), img.rgb.size());
  double err = 0;
  for (size_t i = 0; i < img.rgb.size(); ++i) err += std::abs(back->rgb[i] - img.rgb[i]);
  EXPECT_LT(err / img.rgb.size(), 4.0);
}

TEST(Image, HugePngHeaderIsRefusedWithoutAllocating) {
  const long before = MaxRssKb();
  auto start = std::chrono::steady_clock::now();
  std::string png = PngHeader(30000, 30000);
  auto info = ReadImageInfo(png);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->width, 30000);
  auto img = DecodeImage(png);
  ASSERT_FALSE(img.ok());
  EXPECT_EQ(img.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(img.status().message().find("30000 x 30000"), std::string::npos)
      << img.status().message();
  EXPECT_NE(img.status().message().find("png:"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_LT(MaxRssKb() - before, 64 * 1024);  // 2.7 GB of pixels were never allocated
}

TEST(Image, TruncatedFilesAreCorruption) {
  Image img = Gradient(120, 90);
  auto jpg = EncodeJpeg(img, 90);
  ASSERT_TRUE(jpg.ok());
  auto cut = DecodeImage(std::string_view(*jpg).substr(0, jpg->size() / 2));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kCorruption);
  EXPECT_NE(cut.status().message().find("jpeg: truncated"), std::string::npos)
      << cut.status().message();
  // Only the end-of-image marker missing: still refused.
  auto no_eoi = DecodeImage(std::string_view(*jpg).substr(0, jpg->size() - 2));
  EXPECT_FALSE(no_eoi.ok());

  auto png = EncodePng(img);
  ASSERT_TRUE(png.ok());
  auto png_cut = DecodeImage(std::string_view(*png).substr(0, png->size() * 2 / 3));
  ASSERT_FALSE(png_cut.ok());
  EXPECT_EQ(png_cut.status().code(), StatusCode::kCorruption);
  EXPECT_NE(png_cut.status().message().find("png:"), std::string::npos);
  for (size_t n : {0, 3, 8, 20}) {
    EXPECT_FALSE(DecodeImage(std::string_view(*png).substr(0, n)).ok()) << n;
    EXPECT_FALSE(DecodeImage(std::string_view(*jpg).substr(0, n)).ok()) << n;
  }
}

TEST(Image, GarbageIsInvalidArgument) {
  auto r = DecodeImage("hello, not an image");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  // Right magic, garbage after it.
  EXPECT_FALSE(DecodeImage(std::string("\xff\xd8\xff") + std::string(100, 'x')).ok());
  EXPECT_FALSE(DecodeImage(std::string("II*\0", 4) + std::string(100, '\x7f')).ok());
  EXPECT_FALSE(DecodeImage(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16) + "junk").ok());
  EXPECT_EQ(DecodeImage(PngHeader(0, 5)).status().code() == StatusCode::kOk, false);
}

TEST(Image, LimitsAreConfigurable) {
  Image img = Gradient(100, 100);
  auto png = EncodePng(img);
  ASSERT_TRUE(png.ok());
  ImageLimits small;
  small.max_pixels = 5000;
  EXPECT_EQ(DecodeImage(*png, small).status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(DecodeImage(*png).ok());
}

TEST(Resize, KeepsConstantsAndSizes) {
  Image flat;
  flat.width = 53;
  flat.height = 31;
  flat.rgb.assign(53 * 31 * 3, 200);
  for (auto [w, h] : {std::pair{20, 11}, {200, 90}, {53, 7}, {1, 1}}) {
    Image r = Resize(flat, w, h);
    EXPECT_EQ(r.width, w);
    EXPECT_EQ(r.height, h);
    for (uint8_t v : r.rgb) ASSERT_EQ(v, 200);
  }
  Image g = Gradient(40, 30);
  EXPECT_EQ(Resize(g, 40, 30).rgb, g.rgb);
  Image shrunk = ShrinkToFit(g, 20);
  EXPECT_EQ(shrunk.width, 20);
  EXPECT_EQ(shrunk.height, 15);
  EXPECT_EQ(ShrinkToFit(g, 100).width, 40);
}

TEST(Image, CropClamps) {
  Image g = Gradient(10, 8);
  Image c = Crop(g, 2, 3, 6, 100);
  EXPECT_EQ(c.width, 4);
  EXPECT_EQ(c.height, 5);
  EXPECT_EQ(c.rgb[0], g.rgb[(3 * 10 + 2) * 3]);
}

}  // namespace
}  // namespace ragdb::vision
