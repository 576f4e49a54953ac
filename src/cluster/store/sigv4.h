// AWS Signature Version 4 for S3 requests (OpenSSL's SHA-256 and HMAC). Debian ships no
// maintained S3 client library for C++ (the AWS SDK is not packaged), and ragdb needs five calls
// (PUT, GET, DELETE, ListObjectsV2, HEAD bucket), so the signing lives here in ~100 lines and is
// checked against the example in AWS's documentation.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ragdb::cluster {

struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string service = "s3";
};

std::string Sha256Hex(std::string_view data);

// URI-encodes per SigV4: unreserved characters stay, everything else becomes %XX; '/' stays
// when `keep_slash` (paths), else it is encoded too (query values).
std::string UriEncode(std::string_view s, bool keep_slash);

// Signs a request and returns the Authorization header value. `headers` must hold every header to
// sign, lower-case names, host and x-amz-date (YYYYMMDDTHHMMSSZ) and x-amz-content-sha256
// included; `canonical_query` is already sorted and encoded ("a=1&b=2", or empty).
std::string SignV4(const SigV4Credentials& creds, std::string_view method,
                   std::string_view canonical_uri, std::string_view canonical_query,
                   std::vector<std::pair<std::string, std::string>> headers,
                   std::string_view payload_sha256_hex);

// The current time as x-amz-date wants it.
std::string AmzDate();

}  // namespace ragdb::cluster
