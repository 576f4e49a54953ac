// An etcd v3 client over etcd's JSON gateway (POST /v3/kv/range, /v3/kv/txn, /v3/lease/...):
// plain HTTP/1.1 with JSON bodies, keys and values in base64, 64-bit numbers as strings. The
// gateway ships with every etcd 3.x server, so the cluster needs no gRPC stack; it serves the
// same linearizable KV, transactions and leases as gRPC.
//
// Several endpoints may be given (the members of one etcd cluster): a call that cannot reach
// one member goes to the next, so the loss of any minority of members (its leader included) is
// invisible to callers beyond a retry.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cluster/store/http_client.h"
#include "ragdb/status.h"

namespace ragdb::cluster {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;  // the revision that created the key (0 = absent)
  int64_t mod_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;
};

// One comparison of a transaction. A key that does not exist compares as create_revision 0,
// mod_revision 0, version 0 and value "".
struct EtcdCompare {
  enum class Target { kCreate, kMod, kVersion, kValue };
  enum class Op { kEqual, kNotEqual, kGreater, kLess };
  std::string key;
  Target target = Target::kCreate;
  Op op = Op::kEqual;
  int64_t number = 0;  // for kCreate, kMod, kVersion
  std::string value;   // for kValue
};

// One operation of a transaction branch.
struct EtcdOp {
  enum class Kind { kPut, kDeletePrefix, kDelete, kGet };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // kPut
  int64_t lease = 0;  // kPut: attach to this lease (0 = none)
};

struct EtcdTxnResult {
  bool succeeded = false;
  int64_t revision = 0;                     // the store's revision after the transaction
  std::vector<std::vector<KeyValue>> gets;  // one per kGet of the branch that ran, in order
};

class EtcdClient {
 public:
  // endpoints: http[s]://HOST:PORT of etcd members (at least one); `tls` for https ones.
  static Result<std::unique_ptr<EtcdClient>> Create(const std::vector<std::string>& endpoints,
                                                    std::chrono::milliseconds timeout,
                                                    const HttpTlsOptions& tls = {});

  // The key, or a KeyValue with create_revision 0 when absent.
  Result<KeyValue> Get(const std::string& key);
  // Every key starting with `prefix`, in key order; *revision = the store's revision.
  Result<std::vector<KeyValue>> GetPrefix(const std::string& prefix, int64_t* revision = nullptr);
  Result<int64_t> Put(const std::string& key, const std::string& value, int64_t lease = 0);
  Status DeletePrefix(const std::string& prefix);
  Result<EtcdTxnResult> Txn(const std::vector<EtcdCompare>& compare,
                            const std::vector<EtcdOp>& success,
                            const std::vector<EtcdOp>& failure = {});

  // A lease of `ttl_seconds`; its id.
  Result<int64_t> GrantLease(int64_t ttl_seconds);
  // Renews the lease; returns its remaining TTL in seconds, 0 when it has expired.
  Result<int64_t> KeepAlive(int64_t lease);
  Status RevokeLease(int64_t lease);

  // The member endpoints, and per member whether it answers and is the leader (for status).
  struct MemberStatus {
    std::string endpoint;
    bool healthy = false;
    bool leader = false;
    std::string error;
  };
  std::vector<MemberStatus> Members();
  const std::vector<HttpUrl>& endpoints() const { return endpoints_; }

  // Calls made and calls that failed over to another member, for /metrics.
  uint64_t calls() const { return calls_; }
  uint64_t failovers() const { return failovers_; }

 private:
  EtcdClient(std::vector<HttpUrl> endpoints, std::chrono::milliseconds timeout,
             std::unique_ptr<HttpClient> http)
      : endpoints_(std::move(endpoints)), timeout_(timeout), http_(std::move(http)) {}
  // POSTs a JSON body to `path` on a reachable member; returns the parsed JSON text of a 200.
  Result<std::string> Call(const std::string& path, const std::string& body);

  std::vector<HttpUrl> endpoints_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<HttpClient> http_;
  std::atomic<size_t> current_{0};
  std::atomic<uint64_t> calls_{0}, failovers_{0};
};

// Base64 (standard alphabet, padded), as etcd's gateway writes bytes.
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

// The first key after every key that starts with `prefix` (etcd's range_end for a prefix).
std::string PrefixEnd(const std::string& prefix);

}  // namespace ragdb::cluster
