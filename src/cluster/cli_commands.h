// `ragdb cluster status --etcd URL[,URL..]`: the cluster as etcd holds it (nodes, collections,
// shards with their owner, epoch, log head and snapshot), as JSON; read straight from etcd, so
// it works with every node down. The cluster layer's own command, as the model layer has one.
#pragma once

#include <string>
#include <vector>

namespace ragdb::cluster {

// `args` are the words after "cluster". Returns the exit code (0, 1 failure, 2 usage).
int RunClusterCommand(const std::vector<std::string>& args);

}  // namespace ragdb::cluster
