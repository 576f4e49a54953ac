// The s3:// backend: path-style requests (http://HOST:PORT/BUCKET/KEY) signed with SigV4.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "cluster/store/http_client.h"
#include "cluster/store/object_store_backends.h"
#include "cluster/store/sigv4.h"

namespace ragdb::cluster {
namespace {

constexpr std::chrono::milliseconds kTimeout{30000};

// The text of every <tag>..</tag> in `xml` (ListObjectsV2 replies are flat enough for this).
std::vector<std::string> TagValues(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  for (size_t pos = 0;;) {
    size_t b = xml.find(open, pos);
    if (b == std::string::npos) break;
    b += open.size();
    size_t e = xml.find(close, b);
    if (e == std::string::npos) break;
    std::string v = xml.substr(b, e - b);
    // The five predefined entities are all an S3 key can carry here (keys are [A-Za-z0-9._/-]).
    for (auto [ent, ch] : {std::pair{"&lt;", "<"},
                           {"&gt;", ">"},
                           {"&quot;", "\""},
                           {"&apos;", "'"},
                           {"&amp;", "&"}}) {
      for (size_t p; (p = v.find(ent)) != std::string::npos;) v.replace(p, strlen(ent), ch);
    }
    out.push_back(std::move(v));
    pos = e + close.size();
  }
  return out;
}

class S3Store final : public ObjectStore {
 public:
  S3Store(S3Location where, HttpUrl endpoint, SigV4Credentials creds,
          std::unique_ptr<HttpClient> http)
      : where_(std::move(where)),
        endpoint_(std::move(endpoint)),
        creds_(std::move(creds)),
        http_(std::move(http)) {}

  // GET of the bucket with max-keys=1: fails early and clearly when it is missing or unreachable.
  Status CheckBucket() {
    RAGDB_ASSIGN_OR_RETURN(HttpReply r,
                           Send("GET", "", "list-type=2&max-keys=1&prefix=ragdb-check", ""));
    if (r.status == 404) {
      return Status::NotFound("S3 bucket '" + where_.bucket + "' does not exist at " +
                              where_.endpoint);
    }
    if (r.status != 200) return Failure("listing bucket", r);
    return Status::Ok();
  }

  Status Put(const std::string& key, std::string_view bytes) override {
    RAGDB_RETURN_IF_ERROR(ValidateObjectKey(key));
    RAGDB_ASSIGN_OR_RETURN(HttpReply r, Send("PUT", key, "", bytes));
    if (r.status != 200) return Failure("PUT " + key, r);
    counters_.puts++;
    counters_.put_bytes += bytes.size();
    return Status::Ok();
  }

  Result<std::string> Get(const std::string& key) override {
    RAGDB_RETURN_IF_ERROR(ValidateObjectKey(key));
    RAGDB_ASSIGN_OR_RETURN(HttpReply r, Send("GET", key, "", ""));
    if (r.status == 404) return Status::NotFound("object " + key + " not found in " + Describe());
    if (r.status != 200) return Failure("GET " + key, r);
    counters_.gets++;
    counters_.get_bytes += r.body.size();
    return std::move(r.body);
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    counters_.lists++;
    std::vector<ObjectInfo> out;
    std::string token;
    for (;;) {
      // Query parameters in sorted order, as the canonical request wants them.
      std::string query;
      if (!token.empty()) query += "continuation-token=" + UriEncode(token, false) + "&";
      query += "list-type=2&prefix=" + UriEncode(where_.prefix + prefix, false);
      RAGDB_ASSIGN_OR_RETURN(HttpReply r, Send("GET", "", query, ""));
      if (r.status != 200) return Failure("listing " + prefix, r);
      auto keys = TagValues(r.body, "Key");
      auto sizes = TagValues(r.body, "Size");
      if (keys.size() != sizes.size()) {
        return Status::Corruption("S3 list reply with " + std::to_string(keys.size()) +
                                  " keys but " + std::to_string(sizes.size()) + " sizes");
      }
      for (size_t i = 0; i < keys.size(); ++i) {
        out.push_back({keys[i].substr(where_.prefix.size()), std::stoull(sizes[i])});
      }
      auto truncated = TagValues(r.body, "IsTruncated");
      auto next = TagValues(r.body, "NextContinuationToken");
      if (truncated.empty() || truncated[0] != "true" || next.empty()) break;
      token = next[0];
    }
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status Delete(const std::string& key) override {
    RAGDB_RETURN_IF_ERROR(ValidateObjectKey(key));
    counters_.deletes++;
    RAGDB_ASSIGN_OR_RETURN(HttpReply r, Send("DELETE", key, "", ""));
    if (r.status != 204 && r.status != 200 && r.status != 404) return Failure("DELETE " + key, r);
    return Status::Ok();
  }

  std::string Describe() const override {
    return "s3://" + where_.bucket + "/" + where_.prefix + "?endpoint=" + where_.endpoint +
           "&region=" + where_.region;
  }

 private:
  Result<HttpReply> Send(const std::string& method, const std::string& key,
                         const std::string& query, std::string_view body) {
    std::string uri = "/" + UriEncode(where_.bucket, false);
    if (!key.empty()) uri += "/" + UriEncode(where_.prefix + key, true);
    const std::string payload_hash = Sha256Hex(body);
    std::vector<std::pair<std::string, std::string>> signed_headers = {
        {"host", endpoint_.HostPort()},
        {"x-amz-content-sha256", payload_hash},
        {"x-amz-date", AmzDate()}};
    HttpHeaders headers(signed_headers.begin() + 1, signed_headers.end());
    headers.emplace_back("authorization",
                         SignV4(creds_, method, uri, query, signed_headers, payload_hash));
    const std::string target = query.empty() ? uri : uri + "?" + query;
    // Every call here is idempotent (a PUT writes the same bytes under the same key), so 5xx
    // replies and broken connections are retried, as S3 clients do.
    Result<HttpReply> r = Status::Unavailable("not sent");
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
      r = http_->Request(endpoint_, method, target, body, headers, kTimeout);
      if (r.ok() && r->status < 500) break;
    }
    return r;
  }

  Status Failure(const std::string& what, const HttpReply& r) const {
    auto codes = TagValues(r.body, "Code");
    std::string detail = codes.empty() ? r.body.substr(0, 200) : codes[0];
    Status s = Status::Unavailable("S3 " + what + " at " + where_.endpoint + ": HTTP " +
                                   std::to_string(r.status) + " " + detail);
    if (r.status == 403) return Status::PermissionDenied(s.message());
    return s;
  }

  S3Location where_;
  HttpUrl endpoint_;
  SigV4Credentials creds_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenS3Store(const S3Location& where,
                                                 const HttpTlsOptions& tls) {
  RAGDB_ASSIGN_OR_RETURN(HttpUrl endpoint, ParseHttpUrl(where.endpoint));
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (id == nullptr || *id == '\0' || secret == nullptr || *secret == '\0') {
    return Status::InvalidArgument(
        "s3:// object store: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  SigV4Credentials creds{id, secret, where.region, "s3"};
  RAGDB_ASSIGN_OR_RETURN(auto http, HttpClient::Create(tls));
  auto store = std::make_unique<S3Store>(where, endpoint, creds, std::move(http));
  RAGDB_RETURN_IF_ERROR(store->CheckBucket());
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace ragdb::cluster
