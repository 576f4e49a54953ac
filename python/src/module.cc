// ragdb._ragdb: the embedded engine (include/ragdb/) for Python. No logic of its own: each
// method converts its arguments, calls the C++ API with the GIL released, and converts back.
#include "bindings.h"

PYBIND11_MODULE(_ragdb, m) {
  m.doc() = "ragdb's embedded engine (use the `ragdb` package, not this module)";
  ragdb::python::DbClass db = ragdb::python::BindDatabase(m);
  ragdb::python::BindKnowledgeBase(m, db);
}
