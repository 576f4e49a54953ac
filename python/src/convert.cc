#include "convert.h"

#include "errors.h"

namespace ragdb::python {
namespace {

// Where a value sits inside an argument ("payloads[3].tags[0]"), spelled out only on error.
struct Path {
  const Path* parent = nullptr;
  const std::string* root = nullptr;  // set on the outermost step
  std::string_view key;
  size_t index = 0;
  bool is_index = false;

  std::string Text() const {
    std::string out = parent ? parent->Text() : *root;
    if (parent == nullptr) return out;
    if (is_index) return out + "[" + std::to_string(index) + "]";
    return out + "." + std::string(key);
  }
};

constexpr int kMaxJsonDepth = 128;

std::string TypeName(py::handle obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

// The UTF-8 bytes of a str (`what` names it on error: lone surrogates cannot be encoded).
template <typename What>
std::string Utf8Bytes(py::handle str, const What& what) {
  Py_ssize_t n = 0;
  const char* s = PyUnicode_AsUTF8AndSize(str.ptr(), &n);
  if (s == nullptr) {
    PyErr_Clear();
    ThrowInvalid(what() + ": string is not valid Unicode");
  }
  return std::string(s, static_cast<size_t>(n));
}

bool IsNumpyGeneric(py::handle obj) {
  py::module_ numpy = py::module_::import("numpy");
  return py::isinstance(obj, numpy.attr("generic"));
}

Json ToJson(py::handle obj, const Path& path, int depth) {
  if (depth > kMaxJsonDepth) ThrowInvalid(path.Text() + ": nested too deeply");
  PyObject* p = obj.ptr();
  if (obj.is_none()) return nullptr;
  if (PyBool_Check(p)) return p == Py_True;
  if (PyLong_Check(p)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
    // As nlohmann's parser types them: non-negative integers are unsigned.
    if (overflow == 0)
      return v >= 0 ? Json(static_cast<uint64_t>(v)) : Json(static_cast<int64_t>(v));
    if (overflow > 0) {
      unsigned long long u = PyLong_AsUnsignedLongLong(p);
      if (!PyErr_Occurred()) return static_cast<uint64_t>(u);
      PyErr_Clear();
    }
    ThrowInvalid(path.Text() + ": integer out of the 64-bit range JSON numbers have here");
  }
  if (PyFloat_Check(p)) return PyFloat_AS_DOUBLE(p);
  if (PyUnicode_Check(p)) return Utf8Bytes(obj, [&] { return path.Text(); });
  if (PyDict_Check(p)) {
    Json out = Json::object();
    for (auto [k, v] : py::reinterpret_borrow<py::dict>(obj)) {
      if (!PyUnicode_Check(k.ptr())) {
        ThrowInvalid(path.Text() + ": object keys must be str, got " + TypeName(k));
      }
      std::string key = Utf8Bytes(k, [&] { return path.Text(); });
      Path child{&path, nullptr, key};
      out[key] = ToJson(v, child, depth + 1);
    }
    return out;
  }
  if (PyList_Check(p) || PyTuple_Check(p)) {
    Json out = Json::array();
    py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
    for (size_t i = 0; i < seq.size(); ++i) {
      Path child{&path, nullptr, {}, i, true};
      out.push_back(ToJson(seq[i], child, depth + 1));
    }
    return out;
  }
  // numpy scalars and arrays become the Python values they hold.
  if (py::isinstance<py::array>(obj)) return ToJson(obj.attr("tolist")(), path, depth + 1);
  if (IsNumpyGeneric(obj)) return ToJson(obj.attr("item")(), path, depth + 1);
  ThrowInvalid(path.Text() + ": a value of type " + TypeName(obj) +
               " cannot be stored (use dict, list, str, int, float, bool or None)");
}

}  // namespace

py::str Utf8(const std::string& s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

std::string StrFromPy(py::handle obj, const std::string& what) {
  if (!PyUnicode_Check(obj.ptr())) {
    ThrowInvalid(what + ": expected a str, got " + TypeName(obj));
  }
  return Utf8Bytes(obj, [&] { return what; });
}

Json PyToJson(py::handle obj, const std::string& what) {
  Path root{nullptr, &what, {}};
  return ToJson(obj, root, 0);
}

py::object JsonToPy(const Json& j) {
  switch (j.type()) {
    case Json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case Json::value_t::number_integer:
      return py::int_(j.get<int64_t>());
    case Json::value_t::number_unsigned:
      return py::int_(j.get<uint64_t>());
    case Json::value_t::number_float:
      return py::float_(j.get<double>());
    case Json::value_t::string:
      return Utf8(j.get_ref<const std::string&>());
    case Json::value_t::array: {
      py::list out(j.size());
      for (size_t i = 0; i < j.size(); ++i) out[i] = JsonToPy(j[i]);
      return out;
    }
    case Json::value_t::object: {
      py::dict out;
      for (const auto& [k, v] : j.items()) out[Utf8(k)] = JsonToPy(v);
      return out;
    }
    default:
      return py::none();
  }
}

PointId IdFromPy(py::handle obj, const std::string& what) {
  PyObject* p = obj.ptr();
  Json j;
  if (PyUnicode_Check(p)) {
    j = PyToJson(obj, what);
  } else if (!PyBool_Check(p) && !PyFloat_Check(p) && PyIndex_Check(p)) {  // int, numpy ints
    py::int_ n = py::reinterpret_steal<py::int_>(PyNumber_Index(p));
    j = PyToJson(n, what);
  } else {
    ThrowInvalid(what + ": an id is an int >= 0 or a str, got " + TypeName(obj));
  }
  auto id = PointId::FromJson(j);
  if (!id.ok()) ThrowStatus(id.status().WithContext(what));
  return std::move(id).value();
}

py::object IdToPy(const PointId& id) {
  if (id.is_number()) return py::int_(id.number());
  return Utf8(id.str());
}

std::vector<PointId> IdsFromPy(py::handle obj, const std::string& what) {
  std::vector<PointId> ids;
  if (py::isinstance<py::array>(obj)) {
    py::array a = py::reinterpret_borrow<py::array>(obj);
    const char kind = a.dtype().kind();
    if (a.ndim() != 1) ThrowInvalid(what + ": expected a 1-D array of ids");
    if (kind == 'u') {
      auto u = py::array_t<uint64_t, py::array::forcecast>::ensure(obj);
      ids.reserve(u.size());
      for (ssize_t i = 0; i < u.size(); ++i) ids.emplace_back(u.at(i));
      return ids;
    }
    if (kind == 'i') {
      auto s = py::array_t<int64_t, py::array::forcecast>::ensure(obj);
      ids.reserve(s.size());
      for (ssize_t i = 0; i < s.size(); ++i) {
        if (s.at(i) < 0) {
          ThrowInvalid(what + "[" + std::to_string(i) + "]: point id must not be negative");
        }
        ids.emplace_back(static_cast<uint64_t>(s.at(i)));
      }
      return ids;
    }
    // Other dtypes (str, object): one by one below.
  }
  if (PyUnicode_Check(obj.ptr()) || PyBytes_Check(obj.ptr()) ||
      !py::isinstance<py::iterable>(obj)) {
    ThrowInvalid(what + ": expected a sequence of ids, got " + TypeName(obj));
  }
  size_t i = 0;
  for (py::handle item : obj) {
    ids.push_back(IdFromPy(item, what + "[" + std::to_string(i) + "]"));
    ++i;
  }
  return ids;
}

std::optional<Filter> FilterFromPy(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  Result<Filter> f = Status::InvalidArgument("");
  if (PyUnicode_Check(obj.ptr())) {
    f = Filter::Parse(obj.cast<std::string>());
  } else if (PyDict_Check(obj.ptr())) {
    f = Filter::FromJson(PyToJson(obj, "filter"));
  } else {
    ThrowInvalid("filter: expected an expression (str) or a Qdrant-style filter (dict), got " +
                 TypeName(obj));
  }
  if (!f.ok()) ThrowStatus(f.status().WithContext("filter"));
  return std::move(f).value();
}

namespace {

// Rejects arrays whose values are not real numbers before numpy would silently convert them
// (complex numbers lose their imaginary part, strings may parse).
void CheckRealDtype(py::handle obj, const std::string& what) {
  if (!py::isinstance<py::array>(obj)) return;
  py::dtype dt = py::reinterpret_borrow<py::array>(obj).dtype();
  const char kind = dt.kind();
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b') {
    ThrowInvalid(what + ": expected real numbers, got an array of dtype " +
                 std::string(py::str(dt)));
  }
}

FloatArray EnsureFloat(py::handle obj, const std::string& what) {
  CheckRealDtype(obj, what);
  FloatArray a = FloatArray::ensure(obj);
  if (!a) {
    // ensure() drops numpy's reason; ask numpy again for it (ragged rows, non-numbers...).
    try {
      py::module_::import("numpy").attr("asarray")(obj, "float32");
    } catch (py::error_already_set& e) {
      ThrowInvalid(what + ": cannot be read as float32 numbers (" + std::string(e.what()) + ")");
    }
    ThrowInvalid(what + ": cannot be read as float32 numbers");
  }
  return a;
}

}  // namespace

FloatArray MatrixFromPy(py::handle obj, const std::string& what) {
  FloatArray a = EnsureFloat(obj, what);
  if (a.ndim() == 1) a = FloatArray::ensure(a.attr("reshape")(1, -1));
  if (a.ndim() != 2) {
    ThrowInvalid(what + ": expected a 2-D array (one row per vector), got " +
                 std::to_string(a.ndim()) + " dimensions");
  }
  return a;
}

FloatArray MatrixFromPy(py::handle obj, size_t rows, const std::string& what) {
  FloatArray a = MatrixFromPy(obj, what);
  if (static_cast<size_t>(a.shape(0)) != rows) {
    ThrowInvalid(what + ": " + std::to_string(a.shape(0)) + " rows for " + std::to_string(rows) +
                 " ids");
  }
  return a;
}

MultiVector MultiVectorFromPy(py::handle obj, const std::string& what) {
  FloatArray a = EnsureFloat(obj, what);
  if (a.ndim() != 2) {
    ThrowInvalid(what + ": a multi-vector is a 2-D array (one row per vector), got " +
                 std::to_string(a.ndim()) + " dimensions");
  }
  const size_t rows = static_cast<size_t>(a.shape(0)), dim = static_cast<size_t>(a.shape(1));
  MultiVector m(rows);
  for (size_t r = 0; r < rows; ++r) m[r].assign(a.data() + r * dim, a.data() + (r + 1) * dim);
  return m;
}

std::vector<float> VectorFromPy(py::handle obj, const std::string& what) {
  FloatArray a = EnsureFloat(obj, what);
  if (a.ndim() == 2 && a.shape(0) == 1) return {a.data(), a.data() + a.shape(1)};
  if (a.ndim() != 1) {
    ThrowInvalid(what + ": expected a 1-D array, got shape (" + std::to_string(a.shape(0)) +
                 ", ...)");
  }
  return {a.data(), a.data() + a.shape(0)};
}

SparseVector SparseFromPy(py::handle obj, const std::string& what) {
  py::object indices, values;
  if (PyDict_Check(obj.ptr())) {
    py::dict d = py::reinterpret_borrow<py::dict>(obj);
    if (!d.contains("indices") || !d.contains("values") || d.size() != 2) {
      ThrowInvalid(what + ": a sparse vector is {\"indices\": [...], \"values\": [...]}");
    }
    indices = d["indices"];
    values = d["values"];
  } else if (py::isinstance<py::tuple>(obj) && py::len(obj) == 2) {  // (indices, values)
    indices = obj[py::int_(0)];
    values = obj[py::int_(1)];
  } else {
    ThrowInvalid(what + ": a sparse vector is (indices, values) or a dict of them, got " +
                 TypeName(obj));
  }
  SparseVector v;
  CheckRealDtype(indices, what + ".indices");
  auto idx = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(indices);
  if (!idx || idx.ndim() != 1) ThrowInvalid(what + ".indices: expected a 1-D list of integers");
  for (ssize_t i = 0; i < idx.size(); ++i) {
    if (idx.at(i) < 0 || idx.at(i) > UINT32_MAX) {
      ThrowInvalid(what + ".indices: expected integers in 0.." + std::to_string(UINT32_MAX));
    }
    v.indices.push_back(static_cast<uint32_t>(idx.at(i)));
  }
  v.values = VectorFromPy(values, what + ".values");
  if (v.indices.size() != v.values.size()) {
    ThrowInvalid(what + ": " + std::to_string(v.indices.size()) + " indices for " +
                 std::to_string(v.values.size()) + " values");
  }
  return v;
}

namespace {

py::array_t<float> FloatsToPy(const std::vector<float>& v) {
  py::array_t<float> a(static_cast<ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

py::array_t<float> MatrixToPy(const MultiVector& m) {
  const size_t dim = m.empty() ? 0 : m[0].size();
  py::array_t<float> a({static_cast<ssize_t>(m.size()), static_cast<ssize_t>(dim)});
  float* out = a.mutable_data();
  for (const auto& row : m) out = std::copy(row.begin(), row.end(), out);
  return a;
}

py::object VectorsToPy(const std::map<std::string, std::vector<float>>& vectors,
                       const std::map<std::string, MultiVector>& multi) {
  if (vectors.empty() && multi.empty()) return py::none();
  if (vectors.size() + multi.size() == 1) {
    if (vectors.count(kDefaultVectorName)) return FloatsToPy(vectors.begin()->second);
    if (multi.count(kDefaultVectorName)) return MatrixToPy(multi.begin()->second);
  }
  py::dict out;
  for (const auto& [name, v] : vectors) out[Utf8(name)] = FloatsToPy(v);
  for (const auto& [name, m] : multi) out[Utf8(name)] = MatrixToPy(m);
  return out;
}

py::object SparseToPy(const std::map<std::string, SparseVector>& sparse) {
  if (sparse.empty()) return py::none();
  py::object cls = py::module_::import("ragdb.types").attr("SparseVector");
  py::dict out;
  for (const auto& [name, v] : sparse) {
    py::array_t<uint32_t> idx(static_cast<ssize_t>(v.indices.size()));
    std::copy(v.indices.begin(), v.indices.end(), idx.mutable_data());
    out[Utf8(name)] = cls(idx, FloatsToPy(v.values));
  }
  return out;
}

py::object Text(const std::optional<std::string>& t) {
  return t ? py::object(Utf8(*t)) : py::object(py::none());
}

// An instance of the named tuple class `cls` holding `items`, made as namedtuple's own __new__
// makes it (tuple.__new__(cls, items)) without running that Python function: a search returns
// one per hit, and the call cost ~40% of a small search's binding overhead.
py::object NamedTuple(py::handle cls, const py::tuple& items) {
  py::tuple args = py::make_tuple(items);
  PyObject* o =
      PyTuple_Type.tp_new(reinterpret_cast<PyTypeObject*>(cls.ptr()), args.ptr(), nullptr);
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

}  // namespace

py::object RecordToPy(const Record& r) {
  static py::handle cls = py::object(py::module_::import("ragdb.types").attr("Record")).release();
  return NamedTuple(
      cls, py::make_tuple(IdToPy(r.id), VectorsToPy(r.vectors, r.multi_vectors),
                          JsonToPy(r.payload), Text(r.text), SparseToPy(r.sparse_vectors)));
}

py::object HitToPy(const ScoredPoint& p) {
  static py::handle cls = py::object(py::module_::import("ragdb.types").attr("Hit")).release();
  return NamedTuple(cls, py::make_tuple(IdToPy(p.id), p.score, JsonToPy(p.payload),
                                        VectorsToPy(p.vectors, p.multi_vectors), Text(p.text)));
}

}  // namespace ragdb::python
