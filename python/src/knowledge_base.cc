// Knowledge bases (include/ragdb/rag.h): ingest, retrieve, ask. Results come back as the JSON
// shapes of the rag layer (the ones `ragdb ask` prints and /ragdb/kb answers), as dicts;
// ragdb/types.py turns them into the same objects for the embedded engine and the HTTP client.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "convert.h"
#include "errors.h"
#include "ragdb/rag.h"

namespace ragdb::python {
namespace {

struct PyKnowledgeBase {
  std::shared_ptr<DbHandle> handle;
  std::shared_ptr<rag::KnowledgeBase> kb;
};

// Reads the keys of `options` (those the caller gave; the others keep their defaults) through
// `set(key, value)`, which returns false for a key it does not know.
template <typename Set>
void ReadOptions(py::handle options, const char* what, Set set) {
  if (options.is_none()) return;
  for (auto [k, v] : py::reinterpret_borrow<py::dict>(options)) {
    std::string key = py::str(k);
    if (v.is_none()) continue;
    try {
      if (!set(key, v)) ThrowInvalid(std::string(what) + ": unknown option '" + key + "'");
    } catch (py::cast_error&) {
      ThrowInvalid(std::string(what) + "." + key + ": wrong type");
    }
  }
}

rag::KbOptions KbOptionsFromPy(py::handle options) {
  rag::KbOptions o;
  ReadOptions(options, "knowledge base options", [&](const std::string& key, py::handle v) {
    if (key == "chunk_size") {
      o.chunk_size = v.cast<size_t>();
    } else if (key == "overlap") {
      o.overlap = v.cast<size_t>();
    } else if (key == "mode") {
      o.mode = v.cast<std::string>();
    } else if (key == "parent_size") {
      o.parent_size = v.cast<size_t>();
    } else if (key == "embedder") {
      o.embedder = v.cast<std::string>();
    } else if (key == "sparse_embedder") {
      o.sparse_embedder = v.cast<std::string>();
    } else {
      return false;
    }
    return true;
  });
  return o;
}

py::dict IngestResultToPy(const rag::IngestResult& r) {
  py::dict d;
  d["source"] = Utf8(r.source);
  d["status"] = r.status;
  d["reason"] = Utf8(r.reason);
  d["doc_id"] = r.doc_id;
  d["chunks"] = r.chunks;
  d["bytes"] = r.bytes;
  d["pages"] = r.pages;
  return d;
}

rag::RetrieveOptions RetrieveOptionsFromPy(py::handle options) {
  rag::RetrieveOptions o;
  ReadOptions(options, "retrieve options", [&](const std::string& key, py::handle v) {
    if (key == "k") {
      o.k = v.cast<size_t>();
    } else if (key == "candidates") {
      o.candidates = v.cast<size_t>();
    } else if (key == "filter") {
      o.filter = FilterFromPy(v);
    } else if (key == "reranker") {
      o.reranker = v.cast<std::string>();
    } else if (key == "max_per_document") {
      o.max_per_document = v.cast<size_t>();
    } else if (key == "token_budget") {
      o.token_budget = v.cast<size_t>();
    } else if (key == "merge_neighbors") {
      o.merge_neighbors = v.cast<bool>();
    } else {
      return false;
    }
    return true;
  });
  return o;
}

// `llm`: None = RAGDB_LLM_* and DATA/llm.json, as `ragdb ask` reads them; False = extractive;
// a dict = {base_url, model, api_key, timeout_ms, temperature, max_tokens}.
rag::LlmConfig LlmFromPy(const DbHandle& h, py::handle llm) {
  if (llm.is_none()) {
    return Unwrap(
        h.Call([&] { return rag::LlmConfig::FromEnvAndFile(h.db().path() + "/llm.json"); }));
  }
  if (PyBool_Check(llm.ptr())) {
    if (llm.ptr() == Py_True)
      ThrowInvalid("llm: True is not a configuration (None, False or a dict)");
    return {};
  }
  if (!PyDict_Check(llm.ptr())) ThrowInvalid("llm: expected None, False or a dict");
  Json j = PyToJson(llm, "llm");
  rag::LlmConfig c;
  for (const auto& [key, v] : j.items()) {
    bool ok = true;
    if (key == "base_url" || key == "model" || key == "api_key") {
      ok = v.is_string();
      if (ok) (key == "base_url" ? c.base_url : key == "model" ? c.model : c.api_key) = v;
    } else if (key == "timeout_ms" || key == "max_tokens") {
      ok = v.is_number_unsigned() && v.get<uint64_t>() > 0;
      if (ok && key == "timeout_ms") c.timeout_ms = static_cast<int>(v.get<uint64_t>());
      if (ok && key == "max_tokens") c.max_tokens = v.get<size_t>();
    } else if (key == "temperature") {
      ok = v.is_number();
      if (ok) c.temperature = v.get<double>();
    } else {
      ThrowInvalid("llm: unknown key '" + key +
                   "' (base_url, model, api_key, timeout_ms, temperature, max_tokens)");
    }
    if (!ok) ThrowInvalid("llm." + key + ": wrong type");
  }
  if (c.enabled() && c.model.empty()) ThrowInvalid("llm: a base_url needs a model");
  return c;
}

// A Python callback run on the engine's thread (which has released the GIL): `args` builds its
// arguments once the GIL is held. An exception it raises is kept, later calls are skipped, and
// it is raised once the engine call returns.
class Callback {
 public:
  explicit Callback(py::object fn) : fn_(std::move(fn)) {}
  bool set() const { return !fn_.is_none(); }
  void operator()(const std::function<py::tuple()>& args) {
    py::gil_scoped_acquire gil;
    if (error_) return;
    try {
      fn_(*args());
    } catch (py::error_already_set& e) {
      error_ = std::move(e);
    }
  }
  void RaiseIfFailed() {
    if (error_) throw std::move(*error_);
  }

 private:
  py::object fn_;
  std::optional<py::error_already_set> error_;
};

PyKnowledgeBase OpenKb(const std::shared_ptr<DbHandle>& h, const std::string& name,
                       py::handle options) {
  rag::KbOptions o = KbOptionsFromPy(options);
  auto kb = Unwrap(h->Call([&] { return rag::KnowledgeBase::OpenOrCreate(h->db(), name, o); }));
  return {h, std::shared_ptr<rag::KnowledgeBase>(std::move(kb))};
}

}  // namespace

void BindKnowledgeBase(py::module_& m, DbClass& db) {
  db.def("knowledge_base", &OpenKb, py::arg("name"), py::arg("options"))
      .def("list_knowledge_bases",
           [](const DbHandle& h) {
             return Unwrap(h.Call([&]() -> Result<std::vector<std::string>> {
               return rag::KnowledgeBase::List(h.db());
             }));
           })
      .def(
          "delete_knowledge_base",
          [](const DbHandle& h, const std::string& name) {
            Check(h.Call([&] { return rag::KnowledgeBase::Drop(h.db(), name); }));
          },
          py::arg("name"));

  py::class_<PyKnowledgeBase> kb(m, "KnowledgeBase");
  kb.def("name", [](const PyKnowledgeBase& k) { return k.kb->name(); })
      .def("options", [](const PyKnowledgeBase& k) { return JsonToPy(k.kb->options().ToJson()); })
      .def("info",
           [](const PyKnowledgeBase& k) {
             return JsonToPy(Unwrap(k.handle->Call([&] { return k.kb->Describe(); })).ToJson());
           })
      .def(
          "ingest",
          [](const PyKnowledgeBase& k, const std::vector<std::string>& paths, bool sync,
             py::object progress) {
            Callback cb(std::move(progress));
            rag::IngestOptions o;
            o.sync = sync;
            if (cb.set()) {
              o.progress = [&](size_t done, size_t total, const std::string& path) {
                cb([&] { return py::make_tuple(done, total, Utf8(path)); });
              };
            }
            auto summary = k.handle->Call([&] { return k.kb->IngestPaths(paths, o); });
            cb.RaiseIfFailed();
            return JsonToPy(Unwrap(std::move(summary)).ToJson());
          },
          py::arg("paths"), py::arg("sync"), py::arg("progress"))
      .def(
          "ingest_text",
          [](const PyKnowledgeBase& k, const std::string& source, const std::string& text,
             py::handle metadata) {
            Json meta = metadata.is_none() ? Json::object() : PyToJson(metadata, "metadata");
            return IngestResultToPy(
                Unwrap(k.handle->Call([&] { return k.kb->IngestText(source, text, meta); })));
          },
          py::arg("source"), py::arg("text"), py::arg("metadata"))
      .def(
          "ingest_bytes",
          [](const PyKnowledgeBase& k, const std::string& source, const std::string& file_name,
             const py::bytes& data, py::handle metadata) {
            Json meta = metadata.is_none() ? Json::object() : PyToJson(metadata, "metadata");
            std::string bytes = data;
            return IngestResultToPy(Unwrap(k.handle->Call(
                [&] { return k.kb->IngestUpload(source, file_name, bytes, meta); })));
          },
          py::arg("source"), py::arg("file_name"), py::arg("data"), py::arg("metadata"))
      .def("documents",
           [](const PyKnowledgeBase& k) {
             return JsonToPy(Json(Unwrap(k.handle->Call([&] { return k.kb->ListDocuments(); }))));
           })
      .def(
          "remove",
          [](const PyKnowledgeBase& k, const std::string& source, const std::string& doc_id) {
            if (!doc_id.empty()) {
              Check(k.handle->Call([&] { return k.kb->RemoveDocumentById(doc_id); }));
            } else {
              Check(k.handle->Call([&] { return k.kb->RemoveDocument(source); }));
            }
          },
          py::arg("source"), py::arg("doc_id"))
      .def(
          "retrieve",
          [](const PyKnowledgeBase& k, const std::string& query, py::handle options) {
            rag::RetrieveOptions o = RetrieveOptionsFromPy(options);
            auto chunks = Unwrap(k.handle->Call([&] { return k.kb->Retrieve(query, o); }));
            Json out = Json::array();
            for (const auto& c : chunks) out.push_back(c.ToJson());
            return JsonToPy(out);
          },
          py::arg("query"), py::arg("options"))
      .def(
          "ask",
          [](const PyKnowledgeBase& k, const std::string& question, py::handle options,
             const std::vector<std::pair<std::string, std::string>>& history, py::handle llm,
             py::object on_token) {
            rag::AskOptions o;
            o.retrieve = RetrieveOptionsFromPy(options);
            for (const auto& [role, content] : history) o.history.push_back({role, content});
            o.llm = LlmFromPy(*k.handle, llm);
            Callback cb(std::move(on_token));
            if (cb.set()) {
              o.on_token = [&](const std::string& piece) {
                cb([&] { return py::make_tuple(Utf8(piece)); });
              };
            }
            auto answer = k.handle->Call([&] { return rag::Ask(*k.kb, question, o); });
            cb.RaiseIfFailed();
            return JsonToPy(Unwrap(std::move(answer)).ToJson(/*with_timings=*/true));
          },
          py::arg("question"), py::arg("options"), py::arg("history"), py::arg("llm"),
          py::arg("on_token"));
}

}  // namespace ragdb::python
