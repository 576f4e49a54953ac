// Collection aliases of one database: alternative names that resolve to a collection, kept in
// DATA/aliases.json and replaced atomically (written to a temporary file, fsynced, renamed, the
// folder fsynced), so that after a crash the file holds either the old or the new set.
//
//   {"aliases": {"live": "docs-v2", "staging": "docs-v3"}}
//
// A list of changes is applied to a copy and saved once: it takes effect whole or not at all.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "ragdb/database.h"

namespace ragdb::db {

inline constexpr const char* kAliasesFile = "aliases.json";

class AliasMap {
 public:
  // The aliases stored in `dir` (none when the file does not exist); Corruption naming the file
  // when it cannot be parsed.
  static Result<AliasMap> Load(const std::string& dir);

  // This map with `changes` applied in order, or the first change that cannot be made:
  // InvalidArgument for a bad name, NotFound for a create naming a missing collection or a rename
  // of a missing alias, AlreadyExists for an alias named like a collection. Creating an alias
  // that exists points it at the new collection (as Qdrant does); deleting a missing one is a
  // no-op.
  Result<AliasMap> Apply(std::span<const AliasChange> changes,
                         const std::function<bool(const std::string&)>& is_collection) const;
  // Writes the map to dir/aliases.json durably.
  Status Save(const std::string& dir) const;

  // The collection `alias` names, or null.
  const std::string* Find(const std::string& alias) const;
  // The same map without the aliases of `collection`; sets *changed when there were some.
  AliasMap WithoutCollection(const std::string& collection, bool* changed) const;
  std::vector<AliasInfo> List() const;
  bool empty() const { return aliases_.empty(); }

 private:
  std::map<std::string, std::string> aliases_;  // alias -> collection
};

}  // namespace ragdb::db
