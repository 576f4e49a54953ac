// Schema changes of a sharded collection: payload indexes made and dropped, a vector field's
// index parameters changed. Each goes through the log as one op per shard (so every copy, and
// every copy loaded later, applies it at the same point of its history), then the catalog key
// in etcd takes the new schema, guarded by its mod revision.
#include "cluster/keys.h"
#include "cluster/node.h"

namespace ragdb::cluster {

Status Node::ChangeSchema(const CollectionMeta& meta, const LogOp& op, CollectionSchema updated) {
  RAGDB_RETURN_IF_ERROR(Write(meta, std::vector<std::vector<LogOp>>(meta.shards, {op})).status());
  CollectionMeta next = meta;
  next.schema = std::move(updated);
  const std::string key = CatalogKey(meta.name);
  RAGDB_ASSIGN_OR_RETURN(
      EtcdTxnResult txn,
      etcd_->Txn({{key, EtcdCompare::Target::kMod, EtcdCompare::Op::kEqual, meta.mod_revision, ""}},
                 {{EtcdOp::Kind::kPut, key, EncodeMeta(next), 0}}));
  if (!txn.succeeded) {
    return Status::Unavailable("collection '" + meta.name + "' changed meanwhile; retry");
  }
  return ReadClusterState().status();
}

Status Node::AddPayloadIndex(const std::string& name, const PayloadIndexField& field) {
  RAGDB_ASSIGN_OR_RETURN(CollectionMeta meta, GetMeta(name));
  if (const PayloadIndexField* existing = meta.schema.FindPayloadIndex(field.path)) {
    if (existing->type == field.type) return Status::Ok();
    return Status::AlreadyExists("payload index on '" + field.path + "' exists with type " +
                                 std::string(PayloadTypeName(existing->type)));
  }
  LogOp op;
  op.kind = LogOp::Kind::kPayloadIndex;
  op.json = {{"path", field.path}, {"type", std::string(PayloadTypeName(field.type))}};
  CollectionSchema updated = meta.schema;
  updated.payload_indexes.push_back(field);
  return ChangeSchema(meta, op, std::move(updated));
}

Status Node::DropPayloadIndex(const std::string& name, const std::string& display_name,
                              const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(CollectionMeta meta, GetMeta(name));
  if (meta.schema.FindPayloadIndex(path) == nullptr) {
    return Status::NotFound("collection '" + display_name + "' has no payload index on '" + path +
                            "'");
  }
  LogOp op;
  op.kind = LogOp::Kind::kDropPayloadIndex;
  op.json = {{"path", path}};
  CollectionSchema updated = meta.schema;
  std::erase_if(updated.payload_indexes,
                [&](const PayloadIndexField& p) { return p.path == path; });
  return ChangeSchema(meta, op, std::move(updated));
}

Status Node::UpdateVectorIndex(const std::string& name, const std::string& display_name,
                               const std::string& field, const IndexParams& params) {
  RAGDB_ASSIGN_OR_RETURN(CollectionMeta meta, GetMeta(name));
  const VectorField* f = meta.schema.FindVector(field);
  if (f == nullptr) {
    return Status::InvalidArgument("collection '" + display_name + "' has no vector field '" +
                                   field + "'");
  }
  CollectionSchema updated = meta.schema;
  updated.vectors[static_cast<size_t>(f - meta.schema.vectors.data())].index = params;
  RAGDB_RETURN_IF_ERROR(updated.Validate());
  LogOp op;
  op.kind = LogOp::Kind::kVectorIndex;
  op.json = {{"field", field}, {"schema", updated.ToJson()}};
  return ChangeSchema(meta, op, std::move(updated));
}

}  // namespace ragdb::cluster
