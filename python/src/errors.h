// Status -> Python exception: ragdb.errors.<code name> (InvalidArgument, NotFound, ...) with
// ragdb's message. Every function here needs the GIL.
#pragma once

#include <string>
#include <utility>

#include "ragdb/status.h"

namespace ragdb::python {

// Raises the exception class of the status's code (a pybind11::error_already_set).
[[noreturn]] void ThrowStatus(const Status& status);
// ragdb.InvalidArgument for input the binding itself rejects (wrong shape, wrong type).
[[noreturn]] void ThrowInvalid(std::string message);

inline void Check(const Status& status) {
  if (!status.ok()) ThrowStatus(status);
}
template <typename T>
T Unwrap(Result<T> result) {
  if (!result.ok()) ThrowStatus(result.status());
  return std::move(result).value();
}

}  // namespace ragdb::python
