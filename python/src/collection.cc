// Collection: writes, reads by id, scroll, count and maintenance.
#include <pybind11/stl.h>

#include "bindings.h"
#include "convert.h"
#include "errors.h"

namespace ragdb::python {
namespace {

std::string Item(const char* what, size_t i) {
  return std::string(what) + "[" + std::to_string(i) + "]";
}

// Calls fn(item, i) for each item of `seq`, which must hold one item per record (None = absent).
template <typename Fn>
void PerRecord(py::handle seq, const char* what, size_t n, Fn fn) {
  if (seq.is_none()) return;
  if (PyUnicode_Check(seq.ptr()) || PyDict_Check(seq.ptr()) || !py::isinstance<py::sequence>(seq)) {
    ThrowInvalid(std::string(what) + ": expected a list with one item per id");
  }
  py::sequence s = py::reinterpret_borrow<py::sequence>(seq);
  if (s.size() != n) {
    ThrowInvalid(std::string(what) + ": " + std::to_string(s.size()) + " items for " +
                 std::to_string(n) + " ids");
  }
  for (size_t i = 0; i < n; ++i) {
    py::object item = s[i];
    if (!item.is_none()) fn(item, i);
  }
}

// The records of one upsert. `vectors`: None, an array (rows = ids) for the field `field`, or a
// dict of field name -> array. Rows are copied straight from the array's buffer into the records
// (the engine's input); a float32 C-contiguous array is not copied before that.
std::vector<Record> RecordsFromPy(const CollectionSchema& schema, py::handle ids,
                                  py::handle vectors, py::handle payloads, py::handle texts,
                                  py::handle sparse, const std::string& field) {
  std::vector<PointId> id_list = IdsFromPy(ids, "ids");
  const size_t n = id_list.size();
  std::vector<Record> records(n);
  for (size_t i = 0; i < n; ++i) records[i].id = std::move(id_list[i]);

  auto fill = [&](py::handle array, const std::string& name, const std::string& what) {
    if (schema.FindMultiVector(name) != nullptr) {
      // A multi-vector field: one matrix per record (their row counts differ).
      if (!PySequence_Check(array.ptr()) || static_cast<size_t>(py::len(array)) != n) {
        ThrowInvalid(what + ": a multi-vector field takes a list of " + std::to_string(n) +
                     " matrices, one per id");
      }
      auto list = py::reinterpret_borrow<py::sequence>(array);
      for (size_t i = 0; i < n; ++i) {
        records[i].multi_vectors[name] =
            MultiVectorFromPy(list[i], what + "[" + std::to_string(i) + "]");
      }
      return;
    }
    FloatArray a = MatrixFromPy(array, n, what);
    const size_t dim = static_cast<size_t>(a.shape(1));
    const float* data = a.data();
    for (size_t i = 0; i < n; ++i) {
      records[i].vectors[name].assign(data + i * dim, data + (i + 1) * dim);
    }
  };
  if (PyDict_Check(vectors.ptr())) {
    for (auto [k, v] : py::reinterpret_borrow<py::dict>(vectors)) {
      if (!PyUnicode_Check(k.ptr())) ThrowInvalid("vectors: field names must be str");
      std::string name = k.cast<std::string>();
      fill(v, name, "vectors['" + name + "']");
    }
  } else if (!vectors.is_none()) {
    fill(vectors, field, "vectors");
  }
  PerRecord(payloads, "payloads", n, [&](py::handle p, size_t i) {
    if (!PyDict_Check(p.ptr())) {
      ThrowInvalid(Item("payloads", i) + ": expected a dict, got " +
                   std::string(py::str(py::type::handle_of(p).attr("__name__"))));
    }
    records[i].payload = PyToJson(p, Item("payloads", i));
  });
  PerRecord(texts, "texts", n,
            [&](py::handle t, size_t i) { records[i].text = StrFromPy(t, Item("texts", i)); });
  PerRecord(sparse, "sparse_vectors", n, [&](py::handle s, size_t i) {
    if (!PyDict_Check(s.ptr())) {
      ThrowInvalid(Item("sparse_vectors", i) + ": expected a dict of field name -> sparse vector");
    }
    for (auto [k, v] : py::reinterpret_borrow<py::dict>(s)) {
      std::string name = py::str(k);
      records[i].sparse_vectors[name] = SparseFromPy(v, Item("sparse_vectors", i) + "." + name);
    }
  });
  return records;
}

py::list RecordsToPy(const std::vector<Record>& records) {
  py::list out(records.size());
  for (size_t i = 0; i < records.size(); ++i) out[i] = RecordToPy(records[i]);
  return out;
}

}  // namespace

void BindCollection(py::class_<PyCollection>& c) {
  c.def("name", [](const PyCollection& p) { return p.col->name(); })
      .def("schema",
           [](const PyCollection& p) {
             auto s = p.handle->Call([&]() -> Result<Json> { return p.col->schema().ToJson(); });
             return JsonToPy(Unwrap(std::move(s)));
           })
      .def("info",
           [](const PyCollection& p) {
             auto info = Unwrap(p.handle->Call([&] { return p.col->Describe(); }));
             return JsonToPy(info.ToJson());
           })
      .def(
          "upsert",
          [](const PyCollection& p, py::handle ids, py::handle vectors, py::handle payloads,
             py::handle texts, py::handle sparse, const std::string& field) {
            std::vector<Record> records =
                RecordsFromPy(p.col->schema(), ids, vectors, payloads, texts, sparse, field);
            Check(p.handle->Call([&] { return p.col->Upsert(records); }));
          },
          py::arg("ids"), py::arg("vectors"), py::arg("payloads"), py::arg("texts"),
          py::arg("sparse_vectors"), py::arg("field"))
      .def(
          "import_vectors",
          [](const PyCollection& p, py::handle vectors, uint64_t first_id,
             const std::string& field) {
            CollectionSchema schema = p.col->schema();
            const VectorField* f = schema.FindVector(field);
            if (f == nullptr) ThrowInvalid("the collection has no vector field '" + field + "'");
            FloatArray a = MatrixFromPy(vectors, "vectors");
            // ImportVectors reads dim floats per row from the buffer: the width must match.
            if (static_cast<size_t>(a.shape(1)) != f->dim) {
              ThrowInvalid("vectors: rows have dimension " + std::to_string(a.shape(1)) +
                           ", the field has " + std::to_string(f->dim));
            }
            const float* data = a.data();
            const size_t rows = static_cast<size_t>(a.shape(0));
            Check(
                p.handle->Call([&] { return p.col->ImportVectors(field, data, rows, first_id); }));
          },
          py::arg("vectors"), py::arg("first_id"), py::arg("field"))
      .def(
          "get_one",
          [](const PyCollection& p, py::handle id, bool with_vectors) {
            PointId pid = IdFromPy(id, "id");
            return RecordToPy(
                Unwrap(p.handle->Call([&] { return p.col->Get(pid, with_vectors); })));
          },
          py::arg("id"), py::arg("with_vectors"))
      .def(
          "get_many",
          [](const PyCollection& p, py::handle ids, bool with_vectors) {
            std::vector<PointId> list = IdsFromPy(ids, "ids");
            return RecordsToPy(
                Unwrap(p.handle->Call([&] { return p.col->GetMany(list, with_vectors); })));
          },
          py::arg("ids"), py::arg("with_vectors"))
      .def(
          "delete_ids",
          [](const PyCollection& p, py::handle ids) {
            std::vector<PointId> list = IdsFromPy(ids, "ids");
            return Unwrap(p.handle->Call([&] { return p.col->Delete(list); }));
          },
          py::arg("ids"))
      .def(
          "delete_filter",
          [](const PyCollection& p, py::handle filter) {
            std::optional<Filter> f = FilterFromPy(filter);
            if (!f) ThrowInvalid("filter: required");
            return Unwrap(p.handle->Call([&] { return p.col->DeleteByFilter(*f); }));
          },
          py::arg("filter"))
      .def(
          "count",
          [](const PyCollection& p, py::handle filter) {
            std::optional<Filter> f = FilterFromPy(filter);
            return Unwrap(p.handle->Call([&] { return p.col->Count(f ? &*f : nullptr); }));
          },
          py::arg("filter"))
      .def(
          "scroll_page",
          [](const PyCollection& p, py::handle filter, py::handle offset, size_t limit,
             bool with_payload, bool with_vectors) {
            ScrollRequest req;
            req.filter = FilterFromPy(filter);
            if (!offset.is_none()) req.offset = IdFromPy(offset, "offset");
            req.limit = limit;
            req.with_payload = with_payload;
            req.with_vectors = with_vectors;
            ScrollPage page = Unwrap(p.handle->Call([&] { return p.col->Scroll(req); }));
            py::object next = page.next_offset ? IdToPy(*page.next_offset) : py::none();
            return py::make_tuple(RecordsToPy(page.records), next);
          },
          py::arg("filter"), py::arg("offset"), py::arg("limit"), py::arg("with_payload"),
          py::arg("with_vectors"))
      .def(
          "set_payload",
          [](const PyCollection& p, py::handle ids, py::handle payload, bool merge) {
            std::vector<PointId> list = IdsFromPy(ids, "ids");
            if (!PyDict_Check(payload.ptr())) ThrowInvalid("payload: expected a dict");
            Json j = PyToJson(payload, "payload");
            return Unwrap(p.handle->Call([&] { return p.col->SetPayload(list, j, merge); }));
          },
          py::arg("ids"), py::arg("payload"), py::arg("merge"))
      .def(
          "create_payload_index",
          [](const PyCollection& p, const std::string& path, const std::string& type) {
            PayloadIndexField f;
            f.path = path;
            f.type = Unwrap(ParsePayloadType(type));
            Check(p.handle->Call([&] { return p.col->CreatePayloadIndex(f); }));
          },
          py::arg("path"), py::arg("type"))
      .def("optimize",
           [](const PyCollection& p) { Check(p.handle->Call([&] { return p.col->Optimize(); })); });
}

}  // namespace ragdb::python
