"""Multi-vector (late interaction) fields from the command line: `create --multi`, matrices in
upserted records, `search --using FIELD --vector '[[..], ..]'` ranked by MaxSim, and the
mistakes a user makes, each named."""
import json
from pathlib import Path

import numpy as np


def test_create_upsert_search_multi_vector_fields(cli):
    r = cli.ok('create', 'mv', '--multi', 'colbert:3', '--multi', 'raw:2:ip:hnsw')
    fields = {f['name']: f for f in json.loads(r.out)['schema']['multi_vectors']}
    assert fields['colbert']['metric'] == 'cosine' and 'index' not in fields['colbert']
    assert fields['raw']['metric'] == 'ip' and fields['raw']['index']['type'] == 'hnsw'
    rng = np.random.default_rng(4)
    docs = {i: rng.standard_normal((1 + i % 4, 3)) for i in range(1, 21)}
    raw = {i: rng.standard_normal((2, 2)) for i in range(1, 21)}
    cli.ok('upsert', 'mv', input=''.join(
        json.dumps({'id': i, 'vector': {'colbert': m.tolist(), 'raw': raw[i].tolist()}}) + '\n'
        for i, m in docs.items()))
    q = rng.standard_normal((2, 3))

    def unit(m):
        return m / np.linalg.norm(m, axis=1, keepdims=True)
    want = sorted(docs, key=lambda i: -(unit(q) @ unit(docs[i]).T).max(axis=1).sum())[:5]
    r = cli.ok('search', 'mv', '--using', 'colbert', '--vector', json.dumps(q.tolist()), '--k', '5')
    hits = [json.loads(line) for line in r.out.splitlines()]
    assert [h['id'] for h in hits] == want
    score = (unit(q) @ unit(docs[want[0]]).T).max(axis=1).sum()
    assert abs(hits[0]['score'] - score) < 1e-4
    r = cli.ok('search', 'mv', '--using', 'raw', '--vector', '[[1, 0]]', '--k', '1',
               '--with-vector')
    hit = json.loads(r.out)
    assert len(hit['vector']['raw']) == 2 and len(hit['vector']['colbert'][0]) == 3


def test_multi_vector_mistakes_are_named(cli):
    cli.ok('create', 'mv', '--multi', 'colbert:3')
    r = cli.run('create', 'bad', '--multi', 'x:3:l2')
    assert r.code != 0 and 'cosine or ip' in r.err, r
    r = cli.run('create', 'bad2', '--multi', 'x')
    assert r.code == 2 and 'NAME:DIM' in r.err, r
    r = cli.run('search', 'mv', '--using', 'colbert', '--vector', '[[1, 0]]')
    assert r.code != 0 and 'dimension 2, expected 3' in r.err, r
    r = cli.run('search', 'mv', '--using', 'colbert', '--vector', '[1, 0, 0]')
    assert r.code != 0 and 'array of vectors' in r.err, r
    r = cli.run('search', 'mv', '--using', 'colbert', '--vector', '[[1, "a", 0]]')
    assert r.code == 2 and 'row 0' in r.err, r


MODELS = Path(__file__).resolve().parents[1] / 'fixtures' / 'models'


def test_a_colbert_field_fills_itself_from_text(cli):
    """--multi NAME:DIM:...:colbert:MODEL: records with text get their matrices from the model,
    --near-text queries are embedded as queries, and MaxSim scores match the PyTorch reference."""
    ref = json.loads((MODELS / 'reference.json').read_text())['bert_tiny_colbert']
    dim = len(ref['docs'][0][0])
    model = MODELS / 'bert_tiny_colbert'
    r = cli.ok('create', 'cb', '--multi', f'tok:{dim}:cosine:colbert:{model}')
    field = json.loads(r.out)['schema']['multi_vectors'][0]
    assert field['embedder'] == f'colbert:{model}', field
    lines = ''.join(json.dumps({'id': i, 'text': t}) + '\n' for i, t in enumerate(ref['texts']))
    cli.ok('upsert', 'cb', input=lines)
    unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    docs = [unit(np.array(d)) for d in ref['docs']]
    for q, text in enumerate(ref['texts'][:4]):
        query = unit(np.array(ref['queries'][q]))
        want = sorted(((float((query @ d.T).max(axis=1).sum()), i) for i, d in enumerate(docs)),
                      key=lambda x: (-x[0], x[1]))
        out = cli.ok('search', 'cb', '--using', 'tok', '--near-text', text, '--k', '9').out
        hits = [json.loads(line) for line in out.splitlines() if line]
        assert [h['id'] for h in hits] == [i for _, i in want], (q, hits, want)
        for h, (score, _) in zip(hits, want):
            assert abs(h['score'] - score) < 1e-4, (h, score)
    r = cli.run('create', 'bad', '--multi', f'tok:{dim + 1}:colbert:{model}')
    assert r.code != 0 and f'makes {dim}-d token vectors' in r.err, r
    r = cli.run('create', 'bad', '--multi', 'tok:4:colbert:')
    assert r.code != 0 and 'which model' in r.err, r
