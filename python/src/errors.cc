#include "errors.h"

#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace ragdb::python {

void ThrowStatus(const Status& status) {
  // The classes live in ragdb/errors.py so that the HTTP client raises the same ones.
  py::object errors = py::module_::import("ragdb.errors");
  std::string name(StatusCodeName(status.code()));
  py::object cls =
      py::hasattr(errors, name.c_str()) ? errors.attr(name.c_str()) : errors.attr("Error");
  PyErr_SetObject(cls.ptr(), py::str(status.message()).ptr());
  throw py::error_already_set();
}

void ThrowInvalid(std::string message) { ThrowStatus(Status::InvalidArgument(std::move(message))); }

}  // namespace ragdb::python
