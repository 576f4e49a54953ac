"""Issue 14, item 3 (and the number formatting of item 7): errors that say what to do."""
import json


def test_model_not_installed_says_to_pull_it(cli):
    r = cli.run('embed', '--model', 'acme/not-installed', 'some text', data=False)
    assert r.code == 1 and r.out == '', r
    assert "model 'acme/not-installed' is not installed; run `ragdb model pull acme/not-installed`" \
        in r.err, r
    r = cli.run('rerank', '--model', 'acme/not-installed', '--query', 'q', 'doc', data=False)
    assert r.code == 1 and '`ragdb model pull acme/not-installed`' in r.err, r


def test_near_text_without_an_embedder_names_the_flag(cli):
    cli.ok('create', 'docs', '--text')
    r = cli.run('search', 'docs', '--near-text', 'quick fox')
    assert r.code == 2 and r.out == '', r
    assert '--near-text needs an embedder' in r.err and '--embedder MODEL' in r.err, r
    cli.ok('create', 'vecs', '--dim', '3')
    r = cli.run('search', 'vecs', '--near-text', 'quick fox')
    assert r.code == 2 and "vector field of collection 'vecs' has none" in r.err, r


def test_embedder_without_dim_takes_the_embedders_dimension_and_says_so(cli):
    r = cli.ok('create', 'docs', '--text', '--embedder', 'hash')
    assert 'takes dimension 256 from embedder hash' in r.err, r
    v = json.loads(r.out)['schema']['vectors']
    assert len(v) == 1 and v[0]['dim'] == 256 and v[0]['embedder'] == 'hash'
    cli.ok('upsert', 'docs', input='{"id": 1, "text": "the quick brown fox"}\n'
                                   '{"id": 2, "text": "a lazy dog"}\n')
    hits = [json.loads(l) for l in cli.ok('search', 'docs', '--near-text', 'quick fox').out.split('\n') if l]
    assert hits[0]['id'] == 1


def test_embedder_with_a_different_dim_is_refused(cli):
    r = cli.run('create', 'docs', '--dim', '3', '--embedder', 'hash:8')
    assert r.code == 2, r
    assert 'embedder hash:8 makes 8-d vectors, but --dim is 3' in r.err, r
    assert cli.ok('list').out == ''


def test_hash_cannot_rerank(cli, tmp_path):
    r = cli.run('rerank', '--model', 'hash', '--query', 'river bank', 'bank of the river', 'cats',
                data=False)
    assert r.code == 2 and r.out == '', r
    assert 'a hash model cannot rerank' in r.err and 'bge-reranker-v2-m3' in r.err, r
    (tmp_path / 'd').mkdir()
    (tmp_path / 'd' / 'a.txt').write_text('the bank of the river is green')
    cli.ok('ingest', 'kb', tmp_path / 'd', '--embedder', 'hash')
    r = cli.run('retrieve', 'kb', 'river', '--reranker', 'hash')
    assert r.code != 0 and 'cannot rerank' in r.err, r


def test_unknown_option_and_command_suggest_the_right_one(cli):
    cli.ok('create', 'items', '--dim', '3')
    r = cli.run('search', 'items', '--vector', '[1,0,0]', '--kk', '3')
    assert r.code == 2, r
    assert 'unknown option --kk; did you mean --k?' in r.err, r
    assert '(see `ragdb search --help`)' in r.err, r
    r = cli.run('serach', 'items')
    assert r.code == 2 and "unknown command 'serach'; did you mean 'search'?" in r.err, r
    r = cli.run('--frobnicate', 'list', data=False)
    assert r.code == 2 and 'unknown global option --frobnicate' in r.err, r


def test_global_options_also_after_the_command(cli):
    cli.ok('create', 'items', '--dim', '3')
    r = cli.run('list', '--data', str(cli.data), data=False)
    assert r.code == 0 and r.out == 'items\n', r


def test_numbers_print_as_written(cli):
    r = cli.ok('create', 't', '--text')
    assert '"k1":1.2}' in r.out and '"b":0.75,' in r.out, r.out
    assert '1.2000000476837158' not in r.out
    described = cli.ok('describe', 't').out
    assert '"k1": 1.2' in described and '1.2000000476837158' not in described
