"""ragdb.connect(url, api_key=) against a server with keys on: the key picks the tenant and its
rights; no key or a wrong one is Unauthenticated, a read-only key writing is PermissionDenied."""
import json
import urllib.request

import numpy as np
import pytest

import ragdb
from conftest import Server

pytestmark = pytest.mark.http

ADMIN = "admin-key-for-tests"


def admin(server, method, path, body):
    req = urllib.request.Request(server.url + path, method=method, data=json.dumps(body).encode(),
                                 headers={"api-key": ADMIN, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)["result"]


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("keyed") / "data", "--admin-key", ADMIN)
    admin(s, "POST", "/ragdb/tenants", {"name": "acme"})
    s.rw = admin(s, "POST", "/ragdb/tenants/acme/keys", {"role": "read-write"})["key"]
    s.ro = admin(s, "POST", "/ragdb/tenants/acme/keys", {"role": "read-only"})["key"]
    yield s
    s.stop()


def test_keys_tenants_and_roles(keyed):
    with pytest.raises(ragdb.Unauthenticated):
        ragdb.connect(keyed.url).list_collections()
    with pytest.raises(ragdb.Unauthenticated):
        ragdb.connect(keyed.url, api_key="wrong").list_collections()
    acme = ragdb.connect(keyed.url, api_key=keyed.rw)
    col = acme.create_collection("items", dim=3, metric="l2")
    col.upsert(ids=[1, 2], vectors=np.eye(2, 3, dtype=np.float32))
    reader = ragdb.connect(keyed.url, api_key=keyed.ro)
    assert reader.get_collection("items").search(vector=[1, 0, 0], k=1)[0].id == 1
    with pytest.raises(ragdb.PermissionDenied):
        reader.get_collection("items").upsert(ids=[3], vectors=np.ones((1, 3)))
    assert reader.get_collection("items").count() == 2
    # the admin key works on the default tenant, which does not see acme's collections
    assert "items" not in ragdb.connect(keyed.url, api_key=ADMIN).list_collections()
    kb = acme.knowledge_base("notes")
    kb.ingest_text("a.md", "# A\n\nThe tent weighs 900 grams.")
    assert reader.knowledge_base("notes").retrieve("tent", k=1)[0].source == "a.md"
