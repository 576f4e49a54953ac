#include "cluster/etcd.h"

#include <openssl/evp.h>

#include <thread>

#include "base/json_text.h"
#include "ragdb/json.h"

namespace ragdb::cluster {
namespace {

using Clock = std::chrono::steady_clock;

int64_t Num(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_string()) return std::strtoll(it->get<std::string>().c_str(), nullptr, 10);
  if (it->is_number_integer()) return it->get<int64_t>();
  return 0;
}

Result<KeyValue> ParseKv(const Json& j) {
  KeyValue kv;
  RAGDB_ASSIGN_OR_RETURN(kv.key, Base64Decode(j.value("key", "")));
  RAGDB_ASSIGN_OR_RETURN(kv.value, Base64Decode(j.value("value", "")));
  kv.create_revision = Num(j, "create_revision");
  kv.mod_revision = Num(j, "mod_revision");
  kv.version = Num(j, "version");
  kv.lease = Num(j, "lease");
  return kv;
}

Result<std::vector<KeyValue>> ParseKvs(const Json& j) {
  std::vector<KeyValue> out;
  if (auto it = j.find("kvs"); it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      RAGDB_ASSIGN_OR_RETURN(KeyValue kv, ParseKv(e));
      out.push_back(std::move(kv));
    }
  }
  return out;
}

Json OpJson(const EtcdOp& op) {
  switch (op.kind) {
    case EtcdOp::Kind::kPut: {
      Json put = {{"key", Base64Encode(op.key)}, {"value", Base64Encode(op.value)}};
      if (op.lease != 0) put["lease"] = std::to_string(op.lease);
      return {{"request_put", put}};
    }
    case EtcdOp::Kind::kDelete:
      return {{"request_delete_range", {{"key", Base64Encode(op.key)}}}};
    case EtcdOp::Kind::kDeletePrefix:
      return {{"request_delete_range",
               {{"key", Base64Encode(op.key)}, {"range_end", Base64Encode(PrefixEnd(op.key))}}}};
    case EtcdOp::Kind::kGet:
      return {{"request_range", {{"key", Base64Encode(op.key)}}}};
  }
  return Json::object();
}

Json CompareJson(const EtcdCompare& c) {
  static const char* kOps[] = {"EQUAL", "NOT_EQUAL", "GREATER", "LESS"};
  Json j = {{"key", Base64Encode(c.key)}, {"result", kOps[static_cast<int>(c.op)]}};
  switch (c.target) {
    case EtcdCompare::Target::kCreate:
      j["target"] = "CREATE";
      j["create_revision"] = std::to_string(c.number);
      break;
    case EtcdCompare::Target::kMod:
      j["target"] = "MOD";
      j["mod_revision"] = std::to_string(c.number);
      break;
    case EtcdCompare::Target::kVersion:
      j["target"] = "VERSION";
      j["version"] = std::to_string(c.number);
      break;
    case EtcdCompare::Target::kValue:
      j["target"] = "VALUE";
      j["value"] = Base64Encode(c.value);
      break;
  }
  return j;
}

// Errors etcd reports while it has no leader or is changing it: another try may succeed.
bool Retryable(int status, const std::string& body) {
  if (status == 503 || status == 502) return true;
  for (const char* s : {"leader changed", "no leader", "timed out", "not capable",
                        "too many requests", "stopped", "unhealthy"}) {
    if (body.find(s) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.empty()) return std::string();
  if (text.size() % 4 != 0) return Status::Corruption("etcd: base64 text of bad length");
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return Status::Corruption("etcd: bad base64 text");
  size_t pad = 0;
  if (text.back() == '=') pad++;
  if (text.size() > 1 && text[text.size() - 2] == '=') pad++;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

Result<std::unique_ptr<EtcdClient>> EtcdClient::Create(const std::vector<std::string>& endpoints,
                                                       std::chrono::milliseconds timeout,
                                                       const HttpTlsOptions& tls) {
  if (endpoints.empty()) return Status::InvalidArgument("--etcd: no endpoint given");
  std::vector<HttpUrl> urls;
  for (const auto& e : endpoints) {
    auto u = ParseHttpUrl(e);
    if (!u.ok()) return u.status().WithContext("--etcd");
    urls.push_back(std::move(u).value());
  }
  RAGDB_ASSIGN_OR_RETURN(auto http, HttpClient::Create(tls));
  return std::unique_ptr<EtcdClient>(new EtcdClient(std::move(urls), timeout, std::move(http)));
}

Result<std::string> EtcdClient::Call(const std::string& path, const std::string& body) {
  calls_++;
  const auto deadline = Clock::now() + timeout_;
  Status last = Status::Unavailable("etcd: no endpoint");
  for (int attempt = 0;; ++attempt) {
    size_t seen = current_.load();
    const size_t i = seen % endpoints_.size();
    const HttpUrl& ep = endpoints_[i];
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    // One member gets a share of the time, so that a silent member leaves time for the others.
    auto per_try = std::max(std::chrono::milliseconds(200),
                            left / static_cast<int>(std::max<size_t>(1, endpoints_.size())));
    auto reply = http_->Request(ep, "POST", path, body, {{"content-type", "application/json"}},
                                std::min(per_try, left));
    if (reply.ok() && reply->status == 200) return std::move(reply->body);
    if (reply.ok()) {
      if (!Retryable(reply->status, reply->body)) {
        return Status::Internal("etcd " + ep.HostPort() + path + ": HTTP " +
                                std::to_string(reply->status) + ": " + reply->body.substr(0, 300));
      }
      last = Status::Unavailable("etcd " + ep.HostPort() + ": " + reply->body.substr(0, 200));
    } else {
      last = reply.status();
    }
    // Next member; a short pause once every member was tried.
    failovers_++;
    // Compare with the counter as read, not with the index: once the counter has passed the
    // number of members, comparing with `i` never matched, and every call stayed on member 0
    // even when that was the dead one.
    current_.compare_exchange_strong(seen, seen + 1);
    if ((attempt + 1) % endpoints_.size() == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return Status::Unavailable("etcd unreachable (" + std::to_string(endpoints_.size()) +
                             " endpoint(s)): " + last.message());
}

Result<KeyValue> EtcdClient::Get(const std::string& key) {
  RAGDB_ASSIGN_OR_RETURN(std::string text,
                         Call("/v3/kv/range", WriteJson(Json{{"key", Base64Encode(key)}})));
  RAGDB_ASSIGN_OR_RETURN(Json j, ReadJson(text));
  RAGDB_ASSIGN_OR_RETURN(auto kvs, ParseKvs(j));
  if (kvs.empty()) {
    KeyValue absent;
    absent.key = key;
    return absent;
  }
  return kvs[0];
}

Result<std::vector<KeyValue>> EtcdClient::GetPrefix(const std::string& prefix, int64_t* revision) {
  Json req = {{"key", Base64Encode(prefix)}, {"range_end", Base64Encode(PrefixEnd(prefix))}};
  RAGDB_ASSIGN_OR_RETURN(std::string text, Call("/v3/kv/range", WriteJson(req)));
  RAGDB_ASSIGN_OR_RETURN(Json j, ReadJson(text));
  if (revision != nullptr) *revision = Num(j.value("header", Json::object()), "revision");
  return ParseKvs(j);
}

Result<int64_t> EtcdClient::Put(const std::string& key, const std::string& value, int64_t lease) {
  Json req = {{"key", Base64Encode(key)}, {"value", Base64Encode(value)}};
  if (lease != 0) req["lease"] = std::to_string(lease);
  RAGDB_ASSIGN_OR_RETURN(std::string text, Call("/v3/kv/put", WriteJson(req)));
  RAGDB_ASSIGN_OR_RETURN(Json j, ReadJson(text));
  return Num(j.value("header", Json::object()), "revision");
}

Status EtcdClient::DeletePrefix(const std::string& prefix) {
  Json req = {{"key", Base64Encode(prefix)}, {"range_end", Base64Encode(PrefixEnd(prefix))}};
  return Call("/v3/kv/deleterange", WriteJson(req)).status();
}

Result<EtcdTxnResult> EtcdClient::Txn(const std::vector<EtcdCompare>& compare,
                                      const std::vector<EtcdOp>& success,
                                      const std::vector<EtcdOp>& failure) {
  Json req = {{"compare", Json::array()}, {"success", Json::array()}, {"failure", Json::array()}};
  for (const auto& c : compare) req["compare"].push_back(CompareJson(c));
  for (const auto& op : success) req["success"].push_back(OpJson(op));
  for (const auto& op : failure) req["failure"].push_back(OpJson(op));
  RAGDB_ASSIGN_OR_RETURN(std::string text, Call("/v3/kv/txn", WriteJson(req)));
  RAGDB_ASSIGN_OR_RETURN(Json j, ReadJson(text));
  EtcdTxnResult out;
  out.succeeded = j.value("succeeded", false);
  out.revision = Num(j.value("header", Json::object()), "revision");
  if (auto it = j.find("responses"); it != j.end() && it->is_array()) {
    for (const auto& r : *it) {
      if (auto rr = r.find("response_range"); rr != r.end()) {
        RAGDB_ASSIGN_OR_RETURN(auto kvs, ParseKvs(*rr));
        out.gets.push_back(std::move(kvs));
      }
    }
  }
  return out;
}

Result<int64_t> EtcdClient::GrantLease(int64_t ttl_seconds) {
  RAGDB_ASSIGN_OR_RETURN(std::string text,
                         Call("/v3/lease/grant", WriteJson(Json{{"TTL", ttl_seconds}})));
  RAGDB_ASSIGN_OR_RETURN(Json j, ReadJson(text));
  int64_t id = Num(j, "ID");
  if (id == 0) return Status::Internal("etcd: lease grant without an ID: " + text.substr(0, 200));
  return id;
}

Result<int64_t> EtcdClient::KeepAlive(int64_t lease) {
  RAGDB_ASSIGN_OR_RETURN(std::string text, Call("/v3/lease/keepalive",
                                                WriteJson(Json{{"ID", std::to_string(lease)}})));
  // The gateway streams keep-alive replies, one JSON object per line: {"result": {...}}.
  size_t end = text.find('\n');
  RAGDB_ASSIGN_OR_RETURN(Json j, ReadJson(text.substr(0, end)));
  const Json& r = j.contains("result") ? j["result"] : j;
  return Num(r, "TTL");
}

Status EtcdClient::RevokeLease(int64_t lease) {
  return Call("/v3/lease/revoke", WriteJson(Json{{"ID", std::to_string(lease)}})).status();
}

std::vector<EtcdClient::MemberStatus> EtcdClient::Members() {
  std::vector<MemberStatus> out;
  for (const auto& ep : endpoints_) {
    MemberStatus m;
    m.endpoint = ep.Origin();
    auto reply = http_->Request(ep, "POST", "/v3/maintenance/status", "{}",
                                {{"content-type", "application/json"}}, timeout_);
    if (!reply.ok()) {
      m.error = reply.status().message();
    } else if (reply->status != 200) {
      m.error = "HTTP " + std::to_string(reply->status);
    } else if (auto j = ReadJson(reply->body); j.ok()) {
      m.healthy = true;
      const Json header = j->value("header", Json::object());
      m.leader = Num(*j, "leader") != 0 && Num(*j, "leader") == Num(header, "member_id");
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace ragdb::cluster
