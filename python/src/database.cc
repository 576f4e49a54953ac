// Database: open, check, collections.
#include <pybind11/stl.h>

#include "bindings.h"
#include "convert.h"
#include "errors.h"

namespace ragdb::python {
namespace {

std::shared_ptr<DbHandle> Open(const std::string& path, bool create_if_missing, bool sync_writes,
                               size_t seal_threshold_rows) {
  DatabaseOptions o;
  o.create_if_missing = create_if_missing;
  o.sync_writes = sync_writes;
  o.seal_threshold_rows = seal_threshold_rows;
  Result<std::unique_ptr<Database>> db = Status::Internal("not opened");
  {
    py::gil_scoped_release nogil;
    db = Database::Open(path, o);
  }
  return std::make_shared<DbHandle>(Unwrap(std::move(db)));
}

py::dict CheckDatabase(const std::string& path) {
  Result<CheckReport> r = Status::Internal("not checked");
  {
    py::gil_scoped_release nogil;
    r = Database::Check(path);
  }
  CheckReport report = Unwrap(std::move(r));
  py::dict out;
  out["ok"] = report.ok();
  out["files_checked"] = report.files_checked;
  out["problems"] = report.problems;
  return out;
}

PyCollection CreateCollection(const std::shared_ptr<DbHandle>& h, const std::string& name,
                              py::handle schema_dict) {
  auto schema = CollectionSchema::FromJson(PyToJson(schema_dict, "schema"));
  if (!schema.ok()) ThrowStatus(schema.status());
  auto col = Unwrap(h->Call([&] { return h->db().CreateCollection(name, *schema); }));
  return {h, std::move(col)};
}

PyCollection GetCollection(const std::shared_ptr<DbHandle>& h, const std::string& name) {
  return {h, Unwrap(h->Call([&] { return h->db().GetCollection(name); }))};
}

}  // namespace

DbClass BindDatabase(py::module_& m) {
  m.def("open", &Open, py::arg("path"), py::arg("create_if_missing"), py::arg("sync_writes"),
        py::arg("seal_threshold_rows"));
  m.def("check", &CheckDatabase, py::arg("path"));

  DbClass db(m, "Database");
  db.def("close", &DbHandle::Close)
      .def("path",
           [](const DbHandle& h) {
             return Unwrap(h.Call([&]() -> Result<std::string> { return h.db().path(); }));
           })
      .def("create_collection", &CreateCollection, py::arg("name"), py::arg("schema"))
      .def("get_collection", &GetCollection, py::arg("name"))
      .def("list_collections",
           [](const DbHandle& h) {
             return Unwrap(h.Call(
                 [&]() -> Result<std::vector<std::string>> { return h.db().ListCollections(); }));
           })
      .def(
          "delete_collection",
          [](const DbHandle& h, const std::string& name) {
            Check(h.Call([&] { return h.db().DropCollection(name); }));
          },
          py::arg("name"))
      .def("recovery_notes", [](const DbHandle& h) {
        return Unwrap(
            h.Call([&]() -> Result<std::vector<std::string>> { return h.db().RecoveryNotes(); }));
      });

  py::class_<PyCollection> col(m, "Collection");
  BindCollection(col);
  BindCollectionSearch(col);
  return db;
}

}  // namespace ragdb::python
