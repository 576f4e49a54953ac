"""Issue 14, item 1: a semantic default embedder, pulled on first use, recorded, offline fallback."""
import json
import shutil
import subprocess

from ragdb_cli import FIXTURES


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding='utf-8')
    return path


ENGLISH = ('# Chunking\n\nEach chunk holds about four hundred tokens, and consecutive chunks '
           'overlap by sixty tokens so that a sentence cut at a boundary is found whole.\n')
CHINESE = ('# 分块\n\n每个片段大约四百个词元，相邻片段重叠六十个词元，这样在边界处被切开的句子'
           '仍然可以完整地找到。检索时先用向量搜索，再用全文检索补充。\n')


def kb_embedder(cli, kb):
    return json.loads(cli.ok('kb', 'describe', kb).out)['options']['embedder']


def test_english_text_pulls_bge_small_once_and_records_it(online, hub, tmp_path):
    docs = write(tmp_path / 'en' / 'guide.md', ENGLISH).parent
    r = online.ok('ingest', 'notes', docs)
    # Pulled on first use, said so on stderr, one summary line of the download.
    assert 'event=model.pull ' in r.err and 'bge-small-en-v1.5' in r.err, r
    assert 'event=model.pull.done' in r.err, r
    assert 'event=kb.embedder' in r.err, r
    assert hub.pulls('BAAI/bge-small-en-v1.5'), hub.requests
    assert (tmp_path / 'models' / 'BAAI' / 'bge-small-en-v1.5' / 'config.json').is_file()
    assert json.loads(r.out)['added'] == 1
    assert kb_embedder(online, 'notes') == 'bge-small-en-v1.5'

    # Used from the cache from then on: no more downloads for a second knowledge base.
    before = len(hub.requests)
    online.ok('ingest', 'notes2', docs)
    assert len(hub.requests) == before
    assert kb_embedder(online, 'notes2') == 'bge-small-en-v1.5'
    hits = [json.loads(l) for l in online.ok('retrieve', 'notes', 'how big is a chunk').out.splitlines()]
    assert hits and hits[0]['source'].endswith('guide.md')


def test_chinese_text_picks_multilingual_e5(online, hub, tmp_path):
    docs = write(tmp_path / 'zh' / 'chunking.md', CHINESE).parent
    r = online.ok('ingest', 'zh', docs)
    assert 'multilingual-e5-small' in r.err, r
    assert hub.pulls('intfloat/multilingual-e5-small')
    assert not hub.pulls('BAAI/bge-small-en-v1.5')
    assert kb_embedder(online, 'zh') == 'multilingual-e5-small'
    # The paraphrased question runs through the same model (its "query: " prompt).
    online.ok('retrieve', 'zh', '分片大小是多少')


def test_offline_first_use_falls_back_to_hash_and_says_how_to_pull(cli, tmp_path):
    docs = write(tmp_path / 'en' / 'guide.md', ENGLISH).parent
    r = cli.ok('ingest', 'notes', docs)
    assert 'level=warn event=kb.embedder_fallback' in r.err, r
    assert 'hash' in r.err and '`ragdb model pull bge-small-en-v1.5`' in r.err, r
    assert 'cannot reach 127.0.0.1' in r.err, r
    assert kb_embedder(cli, 'notes') == 'hash'
    # The choice is recorded: later queries use hash, even once the model could be pulled.
    cli.ok('retrieve', 'notes', 'chunk overlap')
    assert kb_embedder(cli, 'notes') == 'hash'


def test_missing_recorded_model_is_an_error_not_a_silent_switch(online, tmp_path):
    docs = write(tmp_path / 'en' / 'guide.md', ENGLISH).parent
    online.ok('ingest', 'notes', docs)
    shutil.rmtree(tmp_path / 'models')
    # Offline now: the KB's model cannot come back, and ragdb says what to run.
    online.env['RAGDB_HF_ENDPOINT'] = 'http://127.0.0.1:9'
    r = online.run('retrieve', 'notes', 'chunk')
    assert r.code == 1, r
    assert '`ragdb model pull bge-small-en-v1.5`' in r.err, r


def test_default_models_get_their_prompts(online):
    # e5 embeds documents as "passage: TEXT": the default name gives the prompt, a plain folder
    # of the same weights does not.
    by_name = online.ok('embed', '--model', 'multilingual-e5-small', 'hello world').out
    folder = str(FIXTURES / 'models' / 'xlmr_tiny')
    prompted = online.ok('embed', '--model', folder, 'passage: hello world').out
    plain = online.ok('embed', '--model', folder, 'hello world').out
    assert by_name == prompted
    assert by_name != plain


def test_collection_embedder_by_default_name_takes_its_dimension(online):
    r = online.ok('create', 'docs', '--text', '--embedder', 'bge-small-en-v1.5')
    schema = json.loads(r.out)['schema']
    assert schema['vectors'][0]['embedder'] == 'bge-small-en-v1.5'
    assert schema['vectors'][0]['dim'] == 32  # the tiny test model's hidden size
    assert 'takes dimension 32 from embedder bge-small-en-v1.5' in r.err, r
    online.ok('upsert', 'docs', input='{"id": 1, "text": "the quick brown fox"}\n')
    hits = online.ok('search', 'docs', '--near-text', 'quick fox').out.splitlines()
    assert json.loads(hits[0])['id'] == 1


def test_model_pull_by_short_name_shows_a_bar_on_a_terminal(online, tmp_path):
    r = online.run_tty('model', 'pull', 'bge-small-en-v1.5')
    assert r.code == 0, r
    assert 'installed bge-small-en-v1.5' in r.out
    assert '\r' in r.err and 'model.pull ' in r.err, r  # the bar, redrawn in place
    assert (tmp_path / 'models' / 'BAAI' / 'bge-small-en-v1.5' / 'model.safetensors').is_file()
    listed = online.ok('model', 'list').out
    assert listed.startswith('BAAI/bge-small-en-v1.5\t')
