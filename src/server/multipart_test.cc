#include "server/multipart.h"

#include <gtest/gtest.h>

namespace ragdb::server {
namespace {

const char* kType = "multipart/form-data; boundary=XyZ";

std::string Body(const std::string& parts_text) { return parts_text; }

TEST(MultipartTest, FilesAndFields) {
  std::string body =
      "preamble is ignored\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"notes; v2.md\"\r\n"
      "Content-Type: text/markdown\r\n"
      "\r\n"
      "# Title\r\n\r\nbody with --XyZ inside a line\r\n"
      "--XyZ\r\n"
      "content-disposition: form-data; name=metadata\r\n"
      "\r\n"
      "{\"lang\": \"en\"}\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"empty\"\r\n"
      "\r\n"
      "\r\n"
      "--XyZ--\r\n"
      "epilogue";
  auto parts = ParseMultipart(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].name, "file");
  EXPECT_EQ((*parts)[0].filename, "notes; v2.md");
  EXPECT_EQ((*parts)[0].content_type, "text/markdown");
  EXPECT_EQ((*parts)[0].data, "# Title\r\n\r\nbody with --XyZ inside a line");
  EXPECT_EQ((*parts)[1].name, "metadata");
  EXPECT_EQ((*parts)[1].filename, "");
  EXPECT_EQ((*parts)[1].data, "{\"lang\": \"en\"}");
  EXPECT_EQ((*parts)[2].data, "");
}

TEST(MultipartTest, QuotedBoundaryAndBinaryData) {
  std::string data("\0\x01\xff\r\n-", 6);
  std::string body =
      "--a b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.pdf\"\r\n\r\n" + data +
      "\r\n--a b--";
  auto parts = ParseMultipart("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"", body);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].data, data);
}

TEST(MultipartTest, MalformedBodiesAreErrorsNamingTheProblem) {
  struct Case {
    std::string type, body, expect;
  };
  const std::string part = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nabc";
  std::vector<Case> cases = {
      {"application/json", "{}", "multipart/form-data"},
      {"multipart/form-data", part, "boundary"},
      {"multipart/form-data; boundary=", part, "boundary"},
      {kType, "no delimiter at all", "no boundary delimiter"},
      {kType, part, "closing boundary"},                       // truncated upload
      {kType, part + "\r\n--XyZ", "malformed boundary line"},  // cut after a delimiter
      {kType, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"", "not terminated"},
      {kType, "--XyZ\r\nContent-Type: text/plain\r\n\r\nabc\r\n--XyZ--", "no Content-Disposition"},
      {kType, "--XyZ\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nabc\r\n--XyZ--",
       "form-data"},
      {kType, "--XyZjunk\r\n\r\n", "malformed boundary line"},
  };
  for (const auto& c : cases) {
    auto parts = ParseMultipart(c.type, c.body);
    ASSERT_FALSE(parts.ok()) << c.body;
    EXPECT_NE(parts.status().message().find(c.expect), std::string::npos)
        << parts.status().message() << " for body: " << c.body;
  }
}

TEST(MultipartTest, TooManyParts) {
  std::string body;
  for (int i = 0; i < 5; ++i) {
    body +=
        "--XyZ\r\nContent-Disposition: form-data; name=\"f" + std::to_string(i) + "\"\r\n\r\nx\r\n";
  }
  body += "--XyZ--";
  EXPECT_TRUE(ParseMultipart(kType, Body(body), 5).ok());
  auto parts = ParseMultipart(kType, Body(body), 4);
  ASSERT_FALSE(parts.ok());
  EXPECT_NE(parts.status().message().find("more than 4 parts"), std::string::npos);
}

TEST(MultipartTest, EveryTruncationIsAnErrorOrAPrefixNeverACrash) {
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
      "hello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\ns\r\n--XyZ--\r\n";
  for (size_t n = 0; n < body.size(); ++n) {
    auto parts = ParseMultipart(kType, std::string_view(body).substr(0, n));
    if (parts.ok()) {
      // Only cuts after the close delimiter can succeed, and then with both parts intact.
      ASSERT_EQ(parts->size(), 2u) << n;
      EXPECT_EQ((*parts)[0].data, "hello");
    }
  }
}

}  // namespace
}  // namespace ragdb::server
