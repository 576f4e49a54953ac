// Collection aliases of the Qdrant REST API: POST /collections/aliases applies a list of
// create / delete / rename actions atomically and durably (Database::UpdateAliases: all or
// none, one fsynced file), GET /aliases and GET /collections/{c}/aliases list them. Every other
// endpoint takes an alias where a collection name goes (Database::GetCollection resolves it), so
// switching an alias from one collection to another is what clients see as a blue-green swap.
#include <string>
#include <vector>

#include "server/app.h"
#include "server/qdrant/convert.h"
#include "server/qdrant/fields.h"

namespace ragdb::server {
namespace {

Result<std::string> RequiredName(const Json& obj, const char* key, const std::string& where) {
  RAGDB_ASSIGN_OR_RETURN(auto v, OptString(obj, key));
  if (!v || v->empty()) {
    return Status::InvalidArgument(where + ": missing field `" + key + "` (a name)");
  }
  return *v;
}

Result<AliasChange> ParseAction(const Json& a, const std::string& where,
                                std::vector<std::string>* warnings) {
  if (!a.is_object() || a.size() != 1) {
    return Status::InvalidArgument(where +
                                   ": expected one of {\"create_alias\": ..}, "
                                   "{\"delete_alias\": ..}, {\"rename_alias\": ..}");
  }
  const std::string& kind = a.begin().key();
  const Json& op = a.begin().value();
  const std::string at = where + "." + kind;
  if (!op.is_object()) return Status::InvalidArgument(at + ": expected an object");
  if (kind == "create_alias") {
    RAGDB_RETURN_IF_ERROR(CheckFields(op, at, kCreateAliasFields, warnings));
    RAGDB_ASSIGN_OR_RETURN(std::string collection, RequiredName(op, "collection_name", at));
    RAGDB_ASSIGN_OR_RETURN(std::string alias, RequiredName(op, "alias_name", at));
    return AliasChange::Create(std::move(alias), std::move(collection));
  }
  if (kind == "delete_alias") {
    RAGDB_RETURN_IF_ERROR(CheckFields(op, at, kDeleteAliasFields, warnings));
    RAGDB_ASSIGN_OR_RETURN(std::string alias, RequiredName(op, "alias_name", at));
    return AliasChange::Delete(std::move(alias));
  }
  if (kind == "rename_alias") {
    RAGDB_RETURN_IF_ERROR(CheckFields(op, at, kRenameAliasFields, warnings));
    RAGDB_ASSIGN_OR_RETURN(std::string from, RequiredName(op, "old_alias_name", at));
    RAGDB_ASSIGN_OR_RETURN(std::string to, RequiredName(op, "new_alias_name", at));
    return AliasChange::Rename(std::move(from), std::move(to));
  }
  return Status::InvalidArgument(where + ": unknown action `" + kind +
                                 "` (create_alias, delete_alias or rename_alias)");
}

Result<Json> UpdateAliases(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(Json body, ctx.Body());
  RAGDB_RETURN_IF_ERROR(CheckFields(body, "", kUpdateAliasesFields, &ctx.warnings));
  if (!body.contains("actions") || !body["actions"].is_array()) {
    return Status::InvalidArgument("missing field `actions` (an array of alias actions)");
  }
  std::vector<AliasChange> changes;
  const Json& actions = body["actions"];
  for (size_t i = 0; i < actions.size(); ++i) {
    RAGDB_ASSIGN_OR_RETURN(
        auto c, ParseAction(actions[i], "actions[" + std::to_string(i) + "]", &ctx.warnings));
    changes.push_back(std::move(c));
  }
  RAGDB_ASSIGN_OR_RETURN(Database * db, ctx.Db());
  RAGDB_RETURN_IF_ERROR(db->UpdateAliases(changes));
  return Json(true);
}

Json AliasList(const std::vector<AliasInfo>& aliases) {
  Json list = Json::array();
  for (const auto& a : aliases) {
    list.push_back({{"alias_name", a.alias}, {"collection_name", a.collection}});
  }
  return Json{{"aliases", std::move(list)}};
}

Result<Json> ListAliases(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(Database * db, ctx.Db());
  return AliasList(db->ListAliases());
}

// The aliases of one collection; the path may itself name the collection by an alias.
Result<Json> CollectionAliases(Ctx& ctx) {
  RAGDB_ASSIGN_OR_RETURN(auto col, ctx.GetCollection(ctx.Param("collection_name")));
  RAGDB_ASSIGN_OR_RETURN(Database * db, ctx.Db());
  std::vector<AliasInfo> mine;
  for (auto& a : db->ListAliases()) {
    if (a.collection == col->name()) mine.push_back(std::move(a));
  }
  return AliasList(mine);
}

}  // namespace

void RegisterAliasRoutes(App& app) {
  app.Route("POST", "/collections/aliases", Access::kWrite, UpdateAliases);
  app.Route("GET", "/aliases", Access::kRead, ListAliases, Runs::kInline);
  app.Route("GET", "/collections/{collection_name}/aliases", Access::kRead, CollectionAliases,
            Runs::kInline);
}

}  // namespace ragdb::server
