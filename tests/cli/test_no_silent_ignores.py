"""Issue 14, item 4: every option is honoured, refused with a clear error, or warned about."""
import json

import pytest

from ragdb_cli import Server


def test_text_without_a_text_field_or_embedder_is_refused(cli):
    cli.ok('create', 'items', '--dim', '3')
    r = cli.run('upsert', 'items', input='{"id": 1, "vector": [1,0,0]}\n'
                                         '{"id": 2, "vector": [0,1,0], "text": "hello"}\n')
    assert r.code == 1, r
    assert 'record 1 (id 2): has "text"' in r.err and '--text or --embedder' in r.err, r
    assert cli.ok('count', 'items').out == '0\n'  # nothing stored


def test_index_flags_of_another_index_type_are_refused(cli):
    for args, msg in [(['--m', '32'], '--m applies to --index hnsw, not flat'),
                      (['--quantization', 'sq8'], '--quantization applies to --index hnsw'),
                      (['--index', 'hnsw', '--nlist', '8'], '--nlist applies to --index ivf_flat or ivf_pq'),
                      (['--index', 'ivf_flat', '--pq-m', '4'], '--pq-m applies to --index ivf_pq')]:
        r = cli.run('create', 'x', '--dim', '8', *args)
        assert r.code == 2 and msg in r.err, (args, r)
    cli.ok('create', 'x', '--dim', '8', '--index', 'hnsw', '--m', '32', '--quantization', 'sq8')


def test_unknown_options_are_errors_everywhere(cli):
    for argv in (['create', 'x', '--dim', '3', '--colour', 'red'], ['kb', 'list', '--all'],
                 ['embed', '--model', 'hash', '--fast', 'x'], ['serve', '--daemon']):
        r = cli.run(*argv)
        assert r.code == 2 and 'unknown option' in r.err, (argv, r)


def config_check(cli, tmp_path, text):
    path = tmp_path / 'ragdb.toml'
    path.write_text(text)
    return cli.run('serve', '--config', path, '--check')


def test_config_file_keys_are_checked(cli, tmp_path):
    r = config_check(cli, tmp_path, 'admin_key = "k"\n[server]\nport = 7000\n')
    assert r.code == 2, r
    assert "unknown key 'admin_key'" in r.err and 'belongs under [server]' in r.err, r
    r = config_check(cli, tmp_path, '[server]\nmax_body_byte = 10\n')
    assert r.code == 2 and "unknown key 'server.max_body_byte'" in r.err, r
    r = config_check(cli, tmp_path, '[server]\nport = 7000\nadmin_key = "k"\n')
    assert r.code == 0, r
    assert 'port = 7000' in r.out and 'admin_key = (set)' in r.out, r


@pytest.fixture
def server(cli):
    s = Server(cli)
    yield s
    s.stop()


VECTORS = {'size': 4, 'distance': 'Cosine'}


def error_of(body):
    return body['status']['error']


def test_qdrant_single_node_parameters(server):
    for field, value in (('shard_number', 2), ('replication_factor', 3),
                         ('write_consistency_factor', 2)):
        code, body, _ = server.request('PUT', '/collections/c', {'vectors': VECTORS, field: value})
        assert code == 400 and error_of(body).startswith(field), (field, body)
        assert 'single node' in error_of(body)
    code, body, _ = server.request('PUT', '/collections/c', {'vectors': VECTORS, 'shard_key': 'a'})
    assert code == 400 and 'shard_key' in error_of(body)
    assert server.request('GET', '/collections/c')[0] == 404  # nothing was created
    code, body, headers = server.request('PUT', '/collections/c',
                                         {'vectors': VECTORS, 'shard_number': 1,
                                          'replication_factor': 1})
    assert code == 200 and headers.get('Warning') is None, body


def test_qdrant_on_disk_and_tuning_knobs(server):
    code, _, headers = server.request('PUT', '/collections/a',
                                      {'vectors': dict(VECTORS, on_disk=True),
                                       'on_disk_payload': True})
    assert code == 200 and headers.get('Warning') is None  # what ragdb does anyway
    code, _, headers = server.request('PUT', '/collections/b',
                                      {'vectors': dict(VECTORS, on_disk=False),
                                       'optimizers_config': {'indexing_threshold': 0,
                                                             'deleted_threshold': 0.2}})
    assert code == 200
    warnings = headers.get_all('Warning')
    assert any('vectors.on_disk = false is ignored' in w for w in warnings), warnings
    assert any('optimizers_config.deleted_threshold is ignored' in w for w in warnings), warnings
    assert all(w.startswith('299 ragdb "') for w in warnings), warnings


def test_qdrant_unknown_and_unsupported_fields(server):
    code, body, _ = server.request('PUT', '/collections/c', {'vectors_config': VECTORS})
    assert code == 400 and 'unknown field `vectors_config`' in error_of(body), body
    code, body, _ = server.request('PUT', '/collections/c',
                                   {'vectors': VECTORS, 'init_from': {'collection': 'x'}})
    assert code == 501 and 'init_from is not supported' in error_of(body), body
    code, body, _ = server.request('PUT', '/collections/c',
                                   {'vectors': VECTORS, 'hnsw_config': {'payload_m': 16}})
    assert code == 501 and 'hnsw_config.payload_m' in error_of(body), body
    assert server.request('PUT', '/collections/c', {'vectors': VECTORS})[0] == 200
    code, body, _ = server.request('PUT', '/collections/c/points',
                                   {'points': [{'id': 1, 'vectorz': [1, 0, 0, 0]}]})
    assert code == 400 and 'points[0].vectorz' in error_of(body), body
    assert server.request('PUT', '/collections/c/points',
                          {'points': [{'id': 1, 'vector': [1, 0, 0, 0]}]})[0] == 200
    code, body, _ = server.request('POST', '/collections/c/points/search',
                                   {'vector': [1, 0, 0, 0], 'limitt': 3})
    assert code == 400 and 'unknown field `limitt`' in error_of(body), body
    code, body, _ = server.request('POST', '/collections/c/points/query',
                                   {'query': [1, 0, 0, 0], 'shard_key': 'x'})
    assert code == 400 and 'shard_key' in error_of(body), body
    code, body, headers = server.request(
        'POST', '/collections/c/points/query',
        {'query': [1, 0, 0, 0], 'params': {'quantization': {'rescore': False}}})
    assert code == 200 and len(body['result']['points']) == 1
    assert 'params.quantization is ignored' in headers.get('Warning'), headers


def test_qdrant_warnings_are_logged(cli):
    s = Server(cli)
    try:
        s.request('PUT', '/collections/b', {'vectors': VECTORS, 'wal_config': {'wal_capacity_mb': 64}})
    finally:
        err = s.stop()
    assert 'level=warn event=qdrant.ignored_field msg="wal_config is ignored' in err, err


def test_search_flags_of_another_kind_of_search_are_refused(cli):
    cli.ok('create', 'docs', '--text', '--embedder', 'hash:16')
    cli.ok('upsert', 'docs', input='{"id": 1, "text": "the quick brown fox"}\n'
                                   '{"id": 2, "text": "a lazy dog"}\n')
    for args, msg in [
            (['--text', 'fox', '--ef', '64'], '--ef does not apply to a search without --vector'),
            (['--text', 'fox', '--score-threshold', '0.5'], '--score-threshold does not apply'),
            (['--near-text', 'fox', '--phrase'], '--phrase does not apply to a vector search'),
            (['--near-text', 'fox', '--out', 'x.ivecs'], '--out does not apply to a single search'),
            (['--text', 'fox', '--weights', '1'], '--weights does not apply to a single --text'),
            (['--text', 'fox', '--near-text', 'fox', '--normalization', 'dbsf'],
             '--normalization applies to --fusion weighted'),
            (['--text', 'fox', '--using', 'x'], '--using names a vector field')]:
        r = cli.run('search', 'docs', *args)
        assert r.code == 2 and msg in r.err, (args, r)
    # --near-text takes part in a fused search instead of being dropped, and so does --group-by
    # with a single vector query.
    fused = cli.ok('search', 'docs', '--text', 'fox', '--near-text', 'quick fox', '--fusion', 'rrf')
    assert '"id":1' in fused.out.splitlines()[0]
    grouped = cli.ok('search', 'docs', '--near-text', 'fox', '--group-by', 'lang')
    assert grouped.out == ''  # no record has a "lang" payload: no group


def test_options_of_other_subcommands_are_refused(cli, tmp_path):
    r = cli.run('kb', 'list', '--chunk-size', '100')
    assert r.code == 2 and '--chunk-size does not apply to kb list' in r.err, r
    r = cli.run('kb', 'create', 'k', '--parent-size', '900')
    assert r.code == 2 and '--parent-size applies to --mode parent-child' in r.err, r
    (tmp_path / 'a.txt').write_text('text')
    cli.ok('ingest', 'k', tmp_path / 'a.txt', '--embedder', 'hash', '--mode', 'parent-child')
    r = cli.run('ingest', 'k', tmp_path / 'a.txt', '--mode', 'parent-child', '--parent-size', '900')
    assert r.code == 2 and "was created with --parent-size 1600" in r.err, r
    r = cli.run('embed', '--model', 'hash', '--quantize', 'int8', 'x', data=False)
    assert r.code == 2 and '--quantize apply to models, not to hash' in r.err, r
