"""Knowledge bases: ingest a folder, retrieve, ask with citations; embedded and over HTTP."""
import os
import shutil

import pytest

import ragdb
from conftest import REPO, is_http

DOCS = REPO / "examples" / "docs"


def test_ingest_retrieve_ask(store, name, tmp_path):
    kb = store.knowledge_base(name)
    assert kb.name == name and name in store.list_knowledge_bases()
    folder = tmp_path / "docs"
    shutil.copytree(DOCS, folder)
    (folder / ".hidden.md").write_text("# hidden\n\nnot ingested")
    (folder / "bad.pdf").write_bytes(b"%PDF-1.4 truncated")
    seen = []
    summary = kb.ingest(folder, progress=lambda done, total, path: seen.append((done, total)))
    assert isinstance(summary, ragdb.IngestSummary)
    n_docs = len(os.listdir(DOCS))
    assert summary.added == n_docs and summary.chunks >= n_docs
    assert [s["source"] for s in summary.skipped_files] == [str(folder / "bad.pdf")]
    assert seen[-1] == (n_docs + 1, n_docs + 1)
    assert kb.info()["documents"] == n_docs
    assert {d["source"] for d in kb.documents()} == {str(folder / f) for f in os.listdir(DOCS)}
    # the same files again: nothing to do
    again = kb.ingest(folder)
    assert again.unchanged == n_docs and again.added == 0

    chunks = kb.retrieve("When is a write durable?", k=3)
    assert chunks and isinstance(chunks[0], ragdb.Chunk)
    assert chunks[0].source.endswith("durability.html") and "fsync" in chunks[0].text
    only_md = kb.retrieve("durable write", k=5, filter='source == "%s"' % (folder / "ragdb-guide.md"))
    assert all(c.source.endswith("ragdb-guide.md") for c in only_md)

    answer = kb.ask("When is a write durable?")
    assert isinstance(answer, ragdb.Answer) and answer.mode == "extractive"
    assert "[1]" in answer.answer and answer.citations[0].source.endswith("durability.html")
    assert set(answer.timings) >= {"search", "total"}
    streamed = kb.ask("When is a write durable?", on_token=lambda t: None)
    assert streamed.answer == answer.answer

    # sync: a removed file's document goes
    os.remove(folder / "embedders.txt")
    assert kb.ingest(folder, sync=True).removed == 1
    assert kb.info()["documents"] == n_docs - 1


def test_ingest_text_bytes_remove(store, name):
    kb = store.knowledge_base(name, chunk_size=200, overlap=20)
    assert kb.options["chunk_size"] == 200
    r = kb.ingest_text("notes.md", "# Tents\n\nThe ultralight tent weighs 900 grams.",
                       metadata={"lang": "en"})
    assert isinstance(r, ragdb.IngestResult) and r.status == "added" and r.chunks == 1
    assert kb.ingest_text("notes.md", "# Tents\n\nThe ultralight tent weighs 900 grams.",
                          metadata={"lang": "en"}).status == "unchanged"
    html = (DOCS / "durability.html").read_bytes()
    r2 = kb.ingest_bytes("upload-1", html, file_name="durability.html")
    assert r2.status == "added"
    assert kb.ingest_bytes("x", b"\x00\x01", file_name="blob.bin").status == "skipped"
    assert kb.ingest_text("empty.txt", "   ").status == "skipped"
    hits = kb.retrieve("how heavy is the tent", k=1)
    assert hits[0].source == "notes.md" and hits[0].metadata["lang"] == "en"
    kb.remove("notes.md")
    kb.remove(doc_id=r2.doc_id)
    assert kb.info()["documents"] == 0
    with pytest.raises(ragdb.NotFound):
        kb.remove("notes.md")
    with pytest.raises(ragdb.InvalidArgument, match="chunk_size"):
        store.knowledge_base(name, chunk_size=300)  # not the options it was created with
    store.delete_knowledge_base(name)
    assert name not in store.list_knowledge_bases()


def test_ask_history(store, name):
    kb = store.knowledge_base(name)
    kb.ingest_text("tents.md", "# Tents\n\nThe ultralight tent weighs 900 grams and sleeps two.")
    kb.ingest_text("stoves.md", "# Stoves\n\nThe camping stove burns butane canisters.")
    # "tell me more" names nothing; with the history it is retried with the previous question
    a = kb.ask("tell me more", history=[{"role": "user", "content": "how heavy is the tent?"},
                                        ("assistant", "900 grams [1].")])
    assert a.citations and a.citations[0].source == "tents.md"


def test_llm_answers_embedded(tmp_path, llm_server):
    with ragdb.open(tmp_path / "db") as db:
        kb = db.knowledge_base("kb")
        kb.ingest(DOCS)
        pieces = []
        llm = {"base_url": llm_server.url, "model": "test-model"}
        a = kb.ask("When is a write durable?", llm=llm, on_token=pieces.append)
        assert a.mode == "llm" and "".join(pieces).strip() == llm_server.answer
        assert a.citations and llm_server.requests[-1]["model"] == "test-model"
        assert kb.ask("When is a write durable?", llm=False).mode == "extractive"
        with pytest.raises(ragdb.InvalidArgument, match="llm: unknown key"):
            kb.ask("q", llm={"url": "x"})

        def boom(_):
            raise KeyError("stop")
        with pytest.raises(KeyError):
            kb.ask("When is a write durable?", llm=llm, on_token=boom)


def test_http_ask_uses_the_servers_llm(server, name):
    kb = ragdb.connect(server.url).knowledge_base(name)
    with pytest.raises(ragdb.Unimplemented):
        kb.ask("q", llm={"base_url": "http://x"})


def test_sparse_embedder_adds_a_learned_sparse_leg(tmp_path):
    """Embedded: a SPLADE model (the random-weight fixture) as the knowledge base's sparse
    embedder; the option is kept, and reopening with another one is refused."""
    model = "splade:" + str(REPO / "tests" / "fixtures" / "models" / "bert_tiny_splade")
    with ragdb.open(tmp_path / "db") as db:
        kb = db.knowledge_base("lex", embedder="hash", sparse_embedder=model)
        assert kb.options["sparse_embedder"] == model
        kb.ingest_text("fox.txt", "the quick brown fox")
        kb.ingest_text("bank.txt", "river bank money")
        chunks = kb.retrieve("quick fox", k=2)
        assert {c.source for c in chunks} <= {"fox.txt", "bank.txt"} and chunks
        assert db.knowledge_base("lex", sparse_embedder=model).options["sparse_embedder"] == model
        with pytest.raises(ragdb.InvalidArgument, match="sparse_embedder"):
            db.knowledge_base("lex", sparse_embedder=model + "x")
        with pytest.raises(ragdb.InvalidArgument, match="--sparse-embedder"):
            db.knowledge_base("other", embedder="hash", sparse_embedder="bm25")
