#include "cluster/shard/placement.h"

#include <algorithm>
#include <map>

namespace ragdb::cluster {
namespace {

uint64_t Fnv1a(std::string_view bytes, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// A 64-bit mix (splitmix64's finalizer), so that rendezvous weights of similar strings differ.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint32_t ShardOf(const PointId& id, uint32_t shards) {
  if (shards <= 1) return 0;
  uint64_t h;
  if (id.is_number()) {
    char bytes[9] = {0};
    uint64_t n = id.number();
    for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<char>(n >> (8 * i));
    h = Fnv1a(std::string_view(bytes, 9));
  } else {
    const char tag = 1;
    h = Fnv1a(id.str(), Fnv1a(std::string_view(&tag, 1)));
  }
  return static_cast<uint32_t>(Mix(h) % shards);
}

std::vector<std::vector<std::string>> AssignShards(const std::string& collection, uint32_t shards,
                                                   uint32_t replication,
                                                   const std::vector<std::string>& nodes) {
  std::vector<std::vector<std::string>> out(shards);
  if (nodes.empty()) return out;
  const size_t n = nodes.size();
  const size_t copies = std::min<size_t>(std::max<uint32_t>(replication, 1), n);
  // Loads per node: first up to the floor of the even share, then up to its ceiling, so that
  // no node idles while another holds two more than it.
  const size_t owner_floor = shards / n, owner_cap = (shards + n - 1) / n;
  const size_t replica_floor = shards * (copies - 1) / n;
  const size_t replica_cap = (shards * (copies - 1) + n - 1) / n;
  std::map<std::string, size_t> owned, replicas;
  for (uint32_t s = 0; s < shards; ++s) {
    std::vector<std::pair<uint64_t, std::string>> ranked;
    for (const auto& node : nodes) {
      const std::string key = node + "/" + collection + "/" + std::to_string(s);
      ranked.emplace_back(Mix(Fnv1a(key)), node);
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    auto pick = [&](std::map<std::string, size_t>& load, size_t floor, size_t cap) {
      // The best-ranked node under the floor, else under the cap, else the best-ranked one.
      for (int pass = 0; pass < 3; ++pass) {
        for (const auto& [w, node] : ranked) {
          if (std::find(out[s].begin(), out[s].end(), node) != out[s].end()) continue;
          if (pass == 0 && load[node] >= floor) continue;
          if (pass == 1 && load[node] >= cap) continue;
          load[node]++;
          out[s].push_back(node);
          return;
        }
      }
    };
    pick(owned, owner_floor, owner_cap);
    while (out[s].size() < copies) pick(replicas, replica_floor, replica_cap);
  }
  return out;
}

}  // namespace ragdb::cluster
