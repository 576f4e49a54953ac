// The classes of ragdb._ragdb (the native half of the package; ragdb/embedded.py wraps them in
// the public API with keyword arguments, docstrings and type hints).
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "handle.h"
#include "ragdb/database.h"

namespace ragdb::python {

namespace py = pybind11;

// A collection and the database handle it came from.
struct PyCollection {
  std::shared_ptr<DbHandle> handle;
  std::shared_ptr<Collection> col;
};

using DbClass = py::class_<DbHandle, std::shared_ptr<DbHandle>>;

DbClass BindDatabase(py::module_& m);
void BindCollection(py::class_<PyCollection>& c);
void BindCollectionSearch(py::class_<PyCollection>& c);
void BindKnowledgeBase(py::module_& m, DbClass& db);

}  // namespace ragdb::python
