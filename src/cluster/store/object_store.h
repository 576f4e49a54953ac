// Object storage for the cluster: WAL chunks, segment files and shard manifests, each an
// immutable object written once under a key that no other writer uses (docs/cluster.md, "Object
// layout"). Nothing here is relied on for atomicity or ordering: every compare-and-swap goes
// through etcd. So the store needs only PUT (durable when it returns), GET, LIST and DELETE.
//
// URLs:
//   file:///path                                   a shared folder (one host, tests)
//   s3://BUCKET/PREFIX?endpoint=http[s]://HOST:PORT&region=R
//                                                  S3-compatible, path-style, SigV4; the keys
//                                                  come from AWS_ACCESS_KEY_ID and
//                                                  AWS_SECRET_ACCESS_KEY
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/store/http_client.h"
#include "ragdb/status.h"

namespace ragdb::cluster {

struct ObjectInfo {
  std::string key;  // relative to the store's root / prefix
  uint64_t size = 0;
};

// Counters for /metrics and the benchmark (bytes per point).
struct ObjectStoreCounters {
  std::atomic<uint64_t> puts{0}, put_bytes{0}, gets{0}, get_bytes{0}, lists{0}, deletes{0};
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Writes the object; it is durable when this returns OK. Overwrites an existing object.
  virtual Status Put(const std::string& key, std::string_view bytes) = 0;
  // The object's bytes; NotFound when absent.
  virtual Result<std::string> Get(const std::string& key) = 0;
  // Every object whose key starts with `prefix`, in key order.
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix) = 0;
  // Removes the object (OK when absent).
  virtual Status Delete(const std::string& key) = 0;
  // The URL the store was opened with (credentials never appear in it).
  virtual std::string Describe() const = 0;

  const ObjectStoreCounters& counters() const { return counters_; }

 protected:
  ObjectStoreCounters counters_;
};

// Opens the store a URL names (above); `tls` applies to an https:// S3 endpoint. InvalidArgument
// names what is wrong with the URL; the S3 backend also checks that the bucket answers
// (Unavailable / NotFound otherwise).
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url,
                                                     const HttpTlsOptions& tls = {});

// Keys are relative paths: 1..1024 bytes of [A-Za-z0-9._/-], no "..", no leading '/'.
Status ValidateObjectKey(std::string_view key);

}  // namespace ragdb::cluster
