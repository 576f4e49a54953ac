#include "cluster/store/sigv4.h"

#include <gtest/gtest.h>

namespace ragdb::cluster {
namespace {

// The "GET Object" example of AWS's Signature Version 4 documentation for S3 (header-based
// authentication): same keys, date, headers and expected signature.
TEST(SigV4, MatchesTheAwsDocumentationExample) {
  SigV4Credentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                         "us-east-1", "s3"};
  const std::string empty_hash = Sha256Hex("");
  EXPECT_EQ(empty_hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string auth = SignV4(creds, "GET", "/test.txt", "",
                            {{"host", "examplebucket.s3.amazonaws.com"},
                             {"range", "bytes=0-9"},
                             {"x-amz-content-sha256", empty_hash},
                             {"x-amz-date", "20130524T000000Z"}},
                            empty_hash);
  EXPECT_EQ(auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, UriEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UriEncode("a b/c~d", true), "a%20b/c~d");
  EXPECT_EQ(UriEncode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(UriEncode("x=1&y", false), "x%3D1%26y");
}

}  // namespace
}  // namespace ragdb::cluster
