"""create_collection's keyword arguments -> ragdb's collection schema in its JSON form
(CollectionSchema::ToJson / FromJson in include/ragdb/schema.h), shared by the embedded engine
and the HTTP client. Values pass through unchecked: the engine validates the schema and names
the offending field, so every option it accepts (an embedder name, say) works from Python.
"""
from .errors import InvalidArgument


def _vector_field(name, dim, metric, index, datatype, embedder, m, ef_construction, nlist, pq_m,
                  quantization):
    field = {"name": name, "element_type": datatype,
             "index": {"type": index, "quantization": quantization}}
    # Unset numbers keep the engine's defaults.
    for key, value in (("m", m), ("ef_construction", ef_construction), ("nlist", nlist),
                       ("pq_m", pq_m)):
        if value is not None:
            field["index"][key] = value
    if metric is not None:
        field["metric"] = metric
    elif datatype == "binary":
        field["metric"] = "hamming"  # the only metric of binary vectors, as `ragdb create`
    if dim is not None:
        field["dim"] = dim
    if embedder is not None:
        field["embedder"] = embedder
    return field


def _payload_indexes(spec):
    """{"path": "type"}, ["path:type" | "path", ...] or [("path", "type"), ...]."""
    if spec is None:
        return []
    if isinstance(spec, dict):
        return [{"path": p, "type": t} for p, t in spec.items()]
    if isinstance(spec, str):
        raise InvalidArgument("payload_indexes: expected a dict or a list, got a str")
    out = []
    for item in spec:
        if isinstance(item, str):
            path, _, kind = item.rpartition(":") if ":" in item else (item, "", "keyword")
            out.append({"path": path, "type": kind})
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            out.append({"path": item[0], "type": item[1]})
        else:
            raise InvalidArgument(f"payload_indexes: cannot read {item!r} "
                                  "(use \"path:type\" or (path, type))")
    return out


def _multi_vectors(spec):
    """{name: dim | {dim, metric, embedder, index, m, ef_construction}} -> schema fields."""
    if spec is None:
        return []
    if not isinstance(spec, dict):
        raise InvalidArgument("multi_vectors: expected a dict of name -> dim or name -> options")
    out = []
    for name, options in spec.items():
        options = dict(dim=options) if not isinstance(options, dict) else dict(options)
        unknown = set(options) - {"dim", "metric", "embedder", "index", "m", "ef_construction"}
        if unknown:
            raise InvalidArgument(f"multi_vectors['{name}']: unknown option "
                                  f"'{sorted(unknown)[0]}'")
        field = {"name": name}
        for key in ("dim", "metric", "embedder"):
            if options.get(key) is not None:
                field[key] = options[key]
        if options.get("index", "flat") != "flat":
            field["index"] = {"type": options["index"]}
            for key in ("m", "ef_construction"):
                if options.get(key) is not None:
                    field["index"][key] = options[key]
        out.append(field)
    return out


def _sparse_vectors(spec):
    """[name, ...] or {name: {"embedder": ...}} -> schema fields."""
    if isinstance(spec, dict):
        return [{"name": n, **dict(o or {})} for n, o in spec.items()]
    return [{"name": n} for n in (spec or [])]


def build(dim, metric, index, datatype, m, ef_construction, nlist, pq_m, quantization, text,
          embedder, payload_indexes, vectors, sparse_vectors, multi_vectors=None):
    """The schema dict for create_collection's arguments."""
    common = dict(index=index, datatype=datatype, m=m, ef_construction=ef_construction,
                  nlist=nlist, pq_m=pq_m, quantization=quantization)
    fields = []
    if dim is not None or embedder is not None:
        fields.append(_vector_field("", dim, metric, embedder=embedder, **common))
    if vectors is not None:
        if not isinstance(vectors, dict):
            raise InvalidArgument("vectors: expected a dict of name -> dim or name -> options")
        for name, spec in vectors.items():
            options = dict(dim=spec) if not isinstance(spec, dict) else dict(spec)
            unknown = set(options) - {"dim", "metric", "embedder", *common}
            if unknown:
                raise InvalidArgument(f"vectors['{name}']: unknown option '{sorted(unknown)[0]}'")
            merged = dict(common, metric=metric, embedder=None, dim=None)
            merged.update(options)
            fields.append(_vector_field(name, **merged))
    schema = {"vectors": fields,
              "sparse_vectors": _sparse_vectors(sparse_vectors),
              "payload_indexes": _payload_indexes(payload_indexes)}
    if multi_vectors is not None:
        schema["multi_vectors"] = _multi_vectors(multi_vectors)
    if text is True:
        schema["text"] = {}
    elif isinstance(text, dict):
        schema["text"] = dict(text)
    elif text not in (False, None):
        raise InvalidArgument("text: expected True, False or a dict of text-field options "
                              "(analyzer, stemmer, stopwords, min_gram, max_gram, bm25)")
    return schema
