// Conversions between Python objects and ragdb's C++ types: JSON payloads, ids, filters, vectors
// (numpy), records and hits. Every function here needs the GIL; errors are ragdb.InvalidArgument
// naming the argument (`what`).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <vector>

#include "ragdb/database.h"

namespace ragdb::python {

namespace py = pybind11;

// A float32 C-contiguous array: `obj` itself when it already is one (no copy), else one
// converted copy (other dtypes, strides, nested lists).
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// UTF-8 text as a Python str; invalid bytes become U+FFFD instead of failing the call.
py::str Utf8(const std::string& s);

// A str's text (UTF-8).
std::string StrFromPy(py::handle obj, const std::string& what);
Json PyToJson(py::handle obj, const std::string& what);
py::object JsonToPy(const Json& j);

// An int (>= 0) or a str, as PointId::FromJson accepts them.
PointId IdFromPy(py::handle obj, const std::string& what);
py::object IdToPy(const PointId& id);
// A sequence of ids: a list/tuple, or a numpy integer array (read without per-item Python calls).
std::vector<PointId> IdsFromPy(py::handle obj, const std::string& what);

// None -> unset; a str -> the expression form; a dict -> Qdrant's JSON form.
std::optional<Filter> FilterFromPy(py::handle obj);

// A 2-D float32 view of `obj` (a 1-D array is one row); with `rows`, it must have that many.
FloatArray MatrixFromPy(py::handle obj, const std::string& what);
FloatArray MatrixFromPy(py::handle obj, size_t rows, const std::string& what);
// A 1-D vector (a (1, d) array is accepted too).
std::vector<float> VectorFromPy(py::handle obj, const std::string& what);
// A multi-vector: a 2-D array (or list of lists), one row per token vector.
MultiVector MultiVectorFromPy(py::handle obj, const std::string& what);
SparseVector SparseFromPy(py::handle obj, const std::string& what);

// ragdb.types.Record / ragdb.types.Hit. The vector is a float32 array for a record whose only
// vector is the unnamed one, else a dict of name -> array (None when there are none); a
// multi-vector field's value is a 2-D array (one row per token vector).
py::object RecordToPy(const Record& r);
py::object HitToPy(const ScoredPoint& p);

}  // namespace ragdb::python
