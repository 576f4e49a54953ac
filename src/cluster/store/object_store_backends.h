// The backends behind OpenObjectStore (object_store.h), one file each.
#pragma once

#include <memory>
#include <string>

#include "cluster/store/object_store.h"

namespace ragdb::cluster {

Result<std::unique_ptr<ObjectStore>> OpenFileStore(const std::string& path);

struct S3Location {
  std::string endpoint;  // http[s]://HOST:PORT
  std::string bucket;
  std::string prefix;  // "" or ending in '/'
  std::string region = "us-east-1";
};
// Reads the credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
Result<std::unique_ptr<ObjectStore>> OpenS3Store(const S3Location& where,
                                                 const HttpTlsOptions& tls);

}  // namespace ragdb::cluster
