# Type stubs of the ragdb package (the public API of ragdb/embedded.py and ragdb/http.py).
# tests/test_stubs.py checks them against the code: same names, same parameters. Client,
# RemoteCollection and RemoteKnowledgeBase are declared as subclasses for brevity (they have the
# same methods); at run time they are separate classes.
import os
from typing import (Any, Callable, Dict, Iterator, List, Literal, Mapping, Optional, Sequence,
                    Tuple, Union)

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import (AlreadyExists as AlreadyExists, Corruption as Corruption,
                     DeadlineExceeded as DeadlineExceeded, Error as Error,
                     FailedPrecondition as FailedPrecondition, Internal as Internal,
                     InvalidArgument as InvalidArgument, IOError as IOError,
                     NotFound as NotFound, PermissionDenied as PermissionDenied,
                     ResourceExhausted as ResourceExhausted, Unauthenticated as Unauthenticated,
                     Unavailable as Unavailable, Unimplemented as Unimplemented)
from .types import (Answer as Answer, Chunk as Chunk, Citation as Citation, Hit as Hit,
                    IngestResult as IngestResult, IngestSummary as IngestSummary,
                    Record as Record, SparseVector as SparseVector)

__version__: str

Id = Union[int, str]
Ids = Union[Sequence[Id], NDArray[np.integer]]
Vectors = Union[ArrayLike, Mapping[str, ArrayLike]]
Filter = Union[str, Dict[str, Any]]
Sparse = Union[SparseVector, Tuple[ArrayLike, ArrayLike], Mapping[str, ArrayLike]]
Path = Union[str, os.PathLike]
Progress = Callable[[int, int, str], Any]
Turn = Union[Mapping[str, str], Tuple[str, str]]
Llm = Union[None, Literal[False], Mapping[str, Any]]


def open(path: Path, *, create_if_missing: bool = ..., sync_writes: bool = ...,
         seal_threshold_rows: int = ...) -> Database: ...
def check(path: Path) -> Dict[str, Any]: ...
def connect(url: str = ..., api_key: Optional[str] = ..., *, timeout: float = ...) -> Client: ...


class Database:
    @property
    def path(self) -> str: ...
    def create_collection(self, name: str, dim: Optional[int] = ..., metric: Optional[str] = ...,
                          index: str = ..., *, datatype: str = ..., m: Optional[int] = ...,
                          ef_construction: Optional[int] = ..., nlist: Optional[int] = ...,
                          pq_m: Optional[int] = ..., quantization: str = ...,
                          text: Union[bool, Dict[str, Any]] = ..., embedder: Optional[str] = ...,
                          payload_indexes: Union[None, Mapping[str, str], Sequence[Any]] = ...,
                          vectors: Optional[Mapping[str, Any]] = ...,
                          sparse_vectors: Union[None, Sequence[str], Mapping[str, Any]] = ...,
                          multi_vectors: Optional[Mapping[str, Any]] = ...,
                          schema: Optional[Dict[str, Any]] = ...) -> Collection: ...
    def get_collection(self, name: str) -> Collection: ...
    def list_collections(self) -> List[str]: ...
    def delete_collection(self, name: str) -> None: ...
    def knowledge_base(self, name: str, *, chunk_size: Optional[int] = ...,
                       overlap: Optional[int] = ..., mode: Optional[str] = ...,
                       parent_size: Optional[int] = ...,
                       embedder: Optional[str] = ...,
                       sparse_embedder: Optional[str] = ...) -> KnowledgeBase: ...
    def list_knowledge_bases(self) -> List[str]: ...
    def delete_knowledge_base(self, name: str) -> None: ...
    def recovery_notes(self) -> List[str]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Database: ...
    def __exit__(self, *exc: Any) -> None: ...


class Collection:
    @property
    def name(self) -> str: ...
    @property
    def schema(self) -> Dict[str, Any]: ...
    def info(self) -> Dict[str, Any]: ...
    def upsert(self, ids: Ids, vectors: Optional[Vectors] = ...,
               payloads: Optional[Sequence[Optional[Dict[str, Any]]]] = ...,
               texts: Optional[Sequence[Optional[str]]] = ..., *,
               sparse_vectors: Optional[Sequence[Optional[Mapping[str, Sparse]]]] = ...,
               using: Optional[str] = ...) -> None: ...
    def import_vectors(self, vectors: ArrayLike, first_id: int = ..., *,
                       using: Optional[str] = ...) -> None: ...
    def search(self, vector: Optional[ArrayLike] = ..., k: int = ...,
               filter: Optional[Filter] = ..., ef: int = ..., *, text: Optional[str] = ...,
               near_text: Optional[str] = ..., sparse: Optional[Sparse] = ...,
               fusion: Optional[Literal["rrf", "weighted"]] = ...,
               weights: Optional[Sequence[float]] = ..., rrf_k: float = ...,
               normalization: Literal["minmax", "dbsf"] = ..., prefetch: int = ...,
               nprobe: int = ..., exact: bool = ..., offset: int = ...,
               score_threshold: Optional[float] = ..., with_payload: bool = ...,
               with_vectors: bool = ..., with_text: bool = ..., using: Optional[str] = ...,
               sparse_using: Optional[str] = ..., all_terms: bool = ...,
               phrase: bool = ...) -> List[Hit]: ...
    def search_batch(self, queries: ArrayLike, k: int = ..., threads: int = ..., *,
                     filter: Optional[Filter] = ..., ef: int = ..., nprobe: int = ...,
                     exact: bool = ..., using: Optional[str] = ...
                     ) -> Tuple[NDArray[Any], NDArray[np.float32]]: ...
    def get(self, ids: Union[Id, Ids], *, with_vectors: bool = ...
            ) -> Union[Record, List[Record]]: ...
    def delete(self, ids: Union[None, Id, Ids] = ..., *, filter: Optional[Filter] = ...) -> int: ...
    def count(self, filter: Optional[Filter] = ...) -> int: ...
    def scroll(self, batch: int = ..., *, filter: Optional[Filter] = ..., with_payload: bool = ...,
               with_vectors: bool = ..., offset: Optional[Id] = ...) -> Iterator[Record]: ...
    def set_payload(self, ids: Union[Id, Ids], payload: Dict[str, Any], *,
                    merge: bool = ...) -> int: ...
    def create_payload_index(self, path: str, type: str = ...) -> None: ...
    def optimize(self) -> None: ...
    def __len__(self) -> int: ...


class KnowledgeBase:
    @property
    def name(self) -> str: ...
    @property
    def options(self) -> Dict[str, Any]: ...
    def info(self) -> Dict[str, Any]: ...
    def ingest(self, *paths: Union[Path, Sequence[Path]], sync: bool = ...,
               progress: Optional[Progress] = ...) -> IngestSummary: ...
    def ingest_text(self, source: str, text: str,
                    metadata: Optional[Dict[str, Any]] = ...) -> IngestResult: ...
    def ingest_bytes(self, source: str, data: bytes, *, file_name: Optional[str] = ...,
                     metadata: Optional[Dict[str, Any]] = ...) -> IngestResult: ...
    def documents(self) -> List[Dict[str, Any]]: ...
    def remove(self, source: Optional[str] = ..., *, doc_id: Optional[str] = ...) -> None: ...
    def retrieve(self, query: str, k: Optional[int] = ..., *, filter: Optional[Filter] = ...,
                 candidates: Optional[int] = ..., reranker: Optional[str] = ...,
                 max_per_document: Optional[int] = ..., token_budget: Optional[int] = ...,
                 merge_neighbors: Optional[bool] = ...) -> List[Chunk]: ...
    def ask(self, question: str, k: Optional[int] = ..., *, filter: Optional[Filter] = ...,
            candidates: Optional[int] = ..., reranker: Optional[str] = ...,
            max_per_document: Optional[int] = ..., token_budget: Optional[int] = ...,
            merge_neighbors: Optional[bool] = ..., history: Optional[Sequence[Turn]] = ...,
            llm: Llm = ..., on_token: Optional[Callable[[str], Any]] = ...) -> Answer: ...


class Client(Database):
    """The server: Database's methods over HTTP (`path` is `url`)."""
    def __init__(self, url: str, *, api_key: Optional[str] = ..., timeout: float = ...) -> None: ...
    @property
    def url(self) -> str: ...
    def create_collection(self, name: str, dim: Optional[int] = ..., metric: Optional[str] = ...,
                          index: str = ..., *, datatype: str = ..., m: Optional[int] = ...,
                          ef_construction: Optional[int] = ..., nlist: Optional[int] = ...,
                          pq_m: Optional[int] = ..., quantization: str = ...,
                          text: Union[bool, Dict[str, Any]] = ..., embedder: Optional[str] = ...,
                          payload_indexes: Union[None, Mapping[str, str], Sequence[Any]] = ...,
                          vectors: Optional[Mapping[str, Any]] = ...,
                          sparse_vectors: Union[None, Sequence[str], Mapping[str, Any]] = ...,
                          multi_vectors: Optional[Mapping[str, Any]] = ...,
                          schema: Optional[Dict[str, Any]] = ...) -> RemoteCollection: ...  # type: ignore[override]
    def get_collection(self, name: str) -> RemoteCollection: ...  # type: ignore[override]
    def knowledge_base(self, name: str, *, chunk_size: Optional[int] = ...,
                       overlap: Optional[int] = ..., mode: Optional[str] = ...,
                       parent_size: Optional[int] = ...,
                       embedder: Optional[str] = ...,
                       sparse_embedder: Optional[str] = ...) -> RemoteKnowledgeBase: ...  # type: ignore[override]
    def __enter__(self) -> Client: ...


class RemoteCollection(Collection):
    """A collection on the server: Collection's methods over HTTP."""


class RemoteKnowledgeBase(KnowledgeBase):
    """A knowledge base on the server: KnowledgeBase's methods over HTTP."""
