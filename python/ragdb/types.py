"""The values ragdb returns, the same for the embedded engine and the HTTP client.

Hits and records are named tuples (cheap to build, unpack like tuples). Knowledge-base results
are dataclasses built from the rag layer's JSON shapes (what `ragdb ask` prints and the
/ragdb/kb endpoints answer); keys they do not know are ignored, so a newer engine still works.
"""
import dataclasses
from typing import Any, Dict, List, NamedTuple, Optional, Union

import numpy as np

Id = Union[int, str]
Vector = Union[np.ndarray, Dict[str, np.ndarray], None]


class SparseVector(NamedTuple):
    """A sparse vector: indices (uint32) and their values (float32)."""
    indices: np.ndarray
    values: np.ndarray


class Hit(NamedTuple):
    """A search result. `score` is a similarity for cosine and ip (higher is better) and a
    distance for l2 and hamming (lower is better); payload, vector and text are None unless
    asked for (the payload is, by default)."""
    id: Id
    score: float
    payload: Optional[Dict[str, Any]] = None
    vector: Vector = None
    text: Optional[str] = None


class Record(NamedTuple):
    """A stored record. `vector` is an array when the record has only the unnamed vector, a
    dict of field name -> array when it has named ones, None when it has none (or they were not
    asked for)."""
    id: Id
    vector: Vector = None
    payload: Optional[Dict[str, Any]] = None
    text: Optional[str] = None
    sparse: Optional[Dict[str, SparseVector]] = None


def _from_dict(cls, d):
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in d.items() if k in names})


@dataclasses.dataclass(frozen=True)
class Chunk:
    """A context item retrieved from a knowledge base (adjacent chunks may be merged)."""
    chunk_id: str = ""
    chunk_ids: List[str] = dataclasses.field(default_factory=list)
    doc_id: str = ""
    source: str = ""
    page: int = 0
    heading_path: List[str] = dataclasses.field(default_factory=list)
    score: float = 0.0
    dense_score: float = 0.0
    bm25_match: bool = False
    start: int = 0
    end: int = 0
    text: str = ""
    metadata: Dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, d):
        return _from_dict(cls, d)


@dataclasses.dataclass(frozen=True)
class Citation:
    """Source [n] of an answer."""
    n: int = 0
    source: str = ""
    page: int = 0
    chunk_id: str = ""
    score: float = 0.0
    snippet: str = ""

    @classmethod
    def from_dict(cls, d):
        return _from_dict(cls, d)


@dataclasses.dataclass(frozen=True)
class Answer:
    """An answer with [n] markers and its citations; mode is "llm" or "extractive"; timings
    are milliseconds per stage."""
    answer: str = ""
    citations: List[Citation] = dataclasses.field(default_factory=list)
    mode: str = ""
    timings: Dict[str, float] = dataclasses.field(default_factory=dict)

    def __str__(self):
        return self.answer

    @classmethod
    def from_dict(cls, d):
        return cls(answer=d.get("answer", ""),
                   citations=[Citation.from_dict(c) for c in d.get("citations", [])],
                   mode=d.get("mode", ""), timings=d.get("timings_ms", {}))


@dataclasses.dataclass(frozen=True)
class IngestResult:
    """One document's outcome: status is added, updated, unchanged or skipped (with reason)."""
    source: str = ""
    status: str = ""
    reason: str = ""
    doc_id: str = ""
    chunks: int = 0
    bytes: int = 0
    pages: int = 0

    @classmethod
    def from_dict(cls, d):
        return _from_dict(cls, d)


@dataclasses.dataclass(frozen=True)
class IngestSummary:
    """What an ingestion did. skipped_files: [{"source", "reason"}]; timings: milliseconds
    per stage (read, parse, chunk, embed, write), summed over files."""
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    removed: int = 0
    chunks: int = 0
    bytes: int = 0
    pages: int = 0
    seconds: float = 0.0
    timings: Dict[str, float] = dataclasses.field(default_factory=dict)
    skipped_files: List[Dict[str, str]] = dataclasses.field(default_factory=list)

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        d["timings"] = d.pop("timings_ms", {})
        return _from_dict(cls, d)
