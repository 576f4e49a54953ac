#include "db/catalog/aliases.h"

#include "base/file.h"
#include "base/json_text.h"

namespace ragdb::db {

Result<AliasMap> AliasMap::Load(const std::string& dir) {
  AliasMap map;
  const std::string path = JoinPath(dir, kAliasesFile);
  if (!FileExists(path)) return map;
  RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto corrupt = [&](const std::string& why) { return Status::Corruption(path + ": " + why); };
  auto j = ReadJson(text);
  if (!j.ok()) return corrupt(j.status().message());
  if (!j->is_object() || !j->contains("aliases") || !(*j)["aliases"].is_object()) {
    return corrupt("expected {\"aliases\": {ALIAS: COLLECTION, ...}}");
  }
  for (const auto& [alias, target] : (*j)["aliases"].items()) {
    if (!target.is_string() || !ValidateCollectionName(alias).ok() ||
        !ValidateCollectionName(target.get<std::string>()).ok()) {
      return corrupt("bad alias entry '" + alias + "'");
    }
    map.aliases_[alias] = target.get<std::string>();
  }
  return map;
}

Result<AliasMap> AliasMap::Apply(
    std::span<const AliasChange> changes,
    const std::function<bool(const std::string&)>& is_collection) const {
  AliasMap next = *this;
  for (size_t i = 0; i < changes.size(); ++i) {
    const AliasChange& c = changes[i];
    const std::string where = "alias change " + std::to_string(i);
    auto valid = [&](const std::string& name) -> Status {
      Status s = ValidateCollectionName(name);
      return s.ok() ? s : Status::InvalidArgument(where + ": alias " + s.message());
    };
    auto free_name = [&](const std::string& alias) -> Status {
      RAGDB_RETURN_IF_ERROR(valid(alias));
      if (is_collection(alias)) {
        return Status::AlreadyExists(where + ": a collection named '" + alias +
                                     "' exists, so it cannot be an alias");
      }
      return Status::Ok();
    };
    switch (c.kind) {
      case AliasChange::Kind::kCreate:
        RAGDB_RETURN_IF_ERROR(free_name(c.alias));
        if (!is_collection(c.collection)) {
          return Status::NotFound(where + ": collection '" + c.collection + "' does not exist");
        }
        next.aliases_[c.alias] = c.collection;
        break;
      case AliasChange::Kind::kDelete:
        RAGDB_RETURN_IF_ERROR(valid(c.alias));
        next.aliases_.erase(c.alias);
        break;
      case AliasChange::Kind::kRename: {
        auto it = next.aliases_.find(c.alias);
        if (it == next.aliases_.end()) {
          return Status::NotFound(where + ": alias '" + c.alias + "' does not exist");
        }
        RAGDB_RETURN_IF_ERROR(free_name(c.new_alias));
        std::string target = it->second;
        next.aliases_.erase(it);
        next.aliases_[c.new_alias] = std::move(target);
        break;
      }
    }
  }
  return next;
}

Status AliasMap::Save(const std::string& dir) const {
  Json j = {{"aliases", Json::object()}};
  for (const auto& [alias, target] : aliases_) j["aliases"][alias] = target;
  return WriteFileAtomic(JoinPath(dir, kAliasesFile), j.dump(1) + "\n");
}

const std::string* AliasMap::Find(const std::string& alias) const {
  auto it = aliases_.find(alias);
  return it == aliases_.end() ? nullptr : &it->second;
}

AliasMap AliasMap::WithoutCollection(const std::string& collection, bool* changed) const {
  AliasMap out;
  *changed = false;
  for (const auto& [alias, target] : aliases_) {
    if (target == collection) {
      *changed = true;
    } else {
      out.aliases_[alias] = target;
    }
  }
  return out;
}

std::vector<AliasInfo> AliasMap::List() const {
  std::vector<AliasInfo> out;
  for (const auto& [alias, target] : aliases_) out.push_back({alias, target});
  return out;
}

}  // namespace ragdb::db
