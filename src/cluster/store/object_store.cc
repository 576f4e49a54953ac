#include "cluster/store/object_store.h"

#include <map>

#include "cluster/store/object_store_backends.h"

namespace ragdb::cluster {
namespace {

// Decodes %XX escapes of a URL query value.
std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(s[i + 1]) && std::isxdigit(s[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Result<S3Location> ParseS3Url(std::string_view url) {
  std::string_view rest = url.substr(5);  // after s3://
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  S3Location loc;
  size_t slash = rest.find('/');
  loc.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) loc.prefix = std::string(rest.substr(slash + 1));
  if (loc.bucket.empty())
    return Status::InvalidArgument("s3:// URL without a bucket: " + std::string(url));
  while (!loc.prefix.empty() && loc.prefix.back() == '/') loc.prefix.pop_back();
  if (!loc.prefix.empty()) {
    RAGDB_RETURN_IF_ERROR(ValidateObjectKey(loc.prefix).WithContext("s3:// prefix"));
    loc.prefix += '/';
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = part.find('=');
    std::string key(part.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : PercentDecode(part.substr(eq + 1));
    if (key == "endpoint") {
      loc.endpoint = value;
    } else if (key == "region") {
      loc.region = value;
    } else {
      return Status::InvalidArgument("s3:// URL: unknown parameter '" + key +
                                     "' (expected endpoint and region)");
    }
  }
  if (loc.endpoint.empty()) {
    return Status::InvalidArgument("s3:// URL needs ?endpoint=http[s]://HOST:PORT");
  }
  return loc;
}

}  // namespace

Status ValidateObjectKey(std::string_view key) {
  if (key.empty() || key.size() > 1024)
    return Status::InvalidArgument("object key must have 1..1024 bytes");
  if (key.front() == '/')
    return Status::InvalidArgument("object key '" + std::string(key) + "' starts with '/'");
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
          c == '/')) {
      return Status::InvalidArgument("object key '" + std::string(key) +
                                     "' has a character outside [A-Za-z0-9._/-]");
    }
  }
  if (key.find("..") != std::string_view::npos || key.find("//") != std::string_view::npos) {
    return Status::InvalidArgument("object key '" + std::string(key) + "' has '..' or '//'");
  }
  return Status::Ok();
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url,
                                                     const HttpTlsOptions& tls) {
  if (url.starts_with("file://")) return OpenFileStore(url.substr(7));
  if (url.starts_with("s3://")) {
    RAGDB_ASSIGN_OR_RETURN(S3Location loc, ParseS3Url(url));
    return OpenS3Store(loc, tls);
  }
  return Status::InvalidArgument(
      "--object-store: expected file:///PATH or s3://BUCKET/PREFIX?endpoint=..., got '" + url +
      "'");
}

}  // namespace ragdb::cluster
