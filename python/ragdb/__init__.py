"""ragdb for Python: the embedded engine in this process, or a ragdb server over HTTP, with the
same API and numpy arrays in and out.

    import ragdb, numpy as np
    db = ragdb.open("./data")                      # or ragdb.connect("http://127.0.0.1:6333")
    col = db.create_collection("items", dim=128, metric="l2", index="hnsw")
    col.upsert(ids=[1, 2], vectors=np.random.rand(2, 128).astype("float32"))
    hits = col.search(vector=np.random.rand(128), k=10)

See docs/python.md.
"""
from .errors import (AlreadyExists, Corruption, DeadlineExceeded, Error, FailedPrecondition,
                     Internal, InvalidArgument, IOError, NotFound, PermissionDenied,
                     ResourceExhausted, Unauthenticated, Unavailable, Unimplemented)
from .types import (Answer, Chunk, Citation, Hit, IngestResult, IngestSummary, Record,
                    SparseVector)
from .embedded import Collection, Database, KnowledgeBase, check, open  # noqa: A004
from .http import Client, RemoteCollection, RemoteKnowledgeBase, connect

__version__ = "0.1.0"

__all__ = [
    "open", "connect", "check", "Database", "Collection", "KnowledgeBase", "Client",
    "RemoteCollection", "RemoteKnowledgeBase", "Hit", "Record", "SparseVector", "Chunk",
    "Citation", "Answer", "IngestResult", "IngestSummary", "Error", "InvalidArgument",
    "NotFound", "AlreadyExists", "Corruption", "IOError", "ResourceExhausted",
    "FailedPrecondition", "Unimplemented", "Internal", "PermissionDenied", "Unauthenticated",
    "Unavailable", "DeadlineExceeded",
]
