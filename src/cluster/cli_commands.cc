#include "cluster/cli_commands.h"

#include <cstdio>
#include <iostream>

#include "cluster/etcd.h"
#include "cluster/keys.h"
#include "cluster/shard/placement.h"
#include "cluster/shard/shard_copy.h"
#include "ragdb/json.h"

namespace ragdb::cluster {
namespace {

const char* kUsage =
    "usage: ragdb cluster status --etcd URL[,URL..] [--ca-file PEM] [--cert-file PEM --key-file "
    "PEM]\n"
    "  https:// etcd endpoints are verified against --ca-file (default: the system's CAs); a\n"
    "  client certificate is sent when etcd asks for one (--client-cert-auth).\n";

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string part =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<Json> Status(EtcdClient& etcd) {
  int64_t revision = 0;
  RAGDB_ASSIGN_OR_RETURN(auto kvs, etcd.GetPrefix("/ragdb/", &revision));
  Json nodes = Json::object(), collections = Json::object();
  std::map<std::pair<std::string, uint32_t>, Json> shard_keys;
  for (const auto& kv : kvs) {
    auto value = Json::parse(kv.value, nullptr, false);
    if (!value.is_object()) value = Json::object();
    CollectionKey ck;
    if (kv.key.starts_with(kNodesPrefix)) {
      nodes[kv.key.substr(kNodesPrefix.size())] = {{"advertise", value.value("advertise", "")}};
    } else if (ParseCollectionKey(kv.key, &ck) && ck.kind.empty()) {
      collections[ck.collection] = {{"shard_number", value.value("shard_number", 1)},
                                    {"replication_factor", value.value("replication_factor", 1)},
                                    {"incarnation", kv.create_revision},
                                    {"shards", Json::array()}};
    } else if (!ck.kind.empty()) {
      Json& e = shard_keys[{ck.collection, ck.shard}];
      const std::string& what = ck.kind;
      if (what == "owner") {
        e["owner"] = value.value("node", "");
        e["epoch"] = kv.create_revision;
      } else if (what == "head") {
        e["log_head"] = value.value("seq", 0);
      } else if (what == "manifest") {
        e["snapshot_seq"] = value.value("seq", 0);
      }
    }
  }
  std::vector<std::string> live;
  for (const auto& [id, v] : nodes.items()) live.push_back(id);
  for (auto& [name, c] : collections.items()) {
    const uint32_t shards = c["shard_number"].get<uint32_t>();
    auto placement = AssignShards(name, shards, c["replication_factor"].get<uint32_t>(), live);
    for (uint32_t s = 0; s < shards; ++s) {
      Json e = shard_keys[{name, s}];
      if (e.is_null()) e = Json::object();
      e["shard_id"] = s;
      e["state"] = e.contains("owner") ? "Active" : "Dead";
      e["placement"] = placement[s];
      c["shards"].push_back(e);
    }
  }
  Json members = Json::array();
  for (const auto& m : etcd.Members()) {
    members.push_back({{"endpoint", m.endpoint}, {"healthy", m.healthy}, {"leader", m.leader}});
  }
  return Json{{"etcd_revision", revision},
              {"etcd_members", members},
              {"nodes", nodes},
              {"collections", collections}};
}

}  // namespace

int RunClusterCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "status") {
    fputs(kUsage, stderr);
    return 2;
  }
  std::string etcd_urls;
  HttpTlsOptions tls;
  for (size_t i = 1; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--etcd" && has_value) {
      etcd_urls = args[++i];
    } else if (args[i] == "--ca-file" && has_value) {
      tls.ca_file = args[++i];
    } else if (args[i] == "--cert-file" && has_value) {
      tls.cert_file = args[++i];
    } else if (args[i] == "--key-file" && has_value) {
      tls.key_file = args[++i];
    } else {
      fprintf(stderr, "ragdb cluster: unknown argument '%s'\n%s", args[i].c_str(), kUsage);
      return 2;
    }
  }
  if (etcd_urls.empty()) {
    fputs(kUsage, stderr);
    return 2;
  }
  auto etcd = EtcdClient::Create(SplitCommas(etcd_urls), std::chrono::seconds(5), tls);
  if (!etcd.ok()) {
    fprintf(stderr, "ragdb cluster: %s\n", etcd.status().ToString().c_str());
    return 2;
  }
  auto status = Status(**etcd);
  if (!status.ok()) {
    fprintf(stderr, "ragdb cluster: %s\n", status.status().ToString().c_str());
    return 1;
  }
  std::cout << status->dump(2) << "\n";
  return 0;
}

}  // namespace ragdb::cluster
