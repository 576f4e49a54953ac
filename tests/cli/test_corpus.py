"""Issue 14, item 6: a JSONL / JSON array / CSV corpus ingests as one document per record."""
import json


def ingest(cli, *args):
    r = cli.ok('ingest', 'kb', *args, '--embedder', 'hash')
    return json.loads(r.out), r.err


def documents(cli):
    return json.loads(cli.ok('kb', 'describe', 'kb', '--documents').out)


RECORDS = [
    {'_id': 'p1', 'title': 'Sharding', 'text': 'A shard holds part of a collection.', 'year': 2021},
    {'_id': 'p2', 'title': 'Replicas', 'text': 'Replicas copy shards for availability.', 'year': 2022},
    {'_id': 'p3', 'title': 'Chunking', 'text': 'Chunks of four hundred tokens overlap by sixty.', 'year': 2023},
]


def write_jsonl(path, records):
    path.write_text(''.join(json.dumps(r) + '\n' for r in records))
    return path


def test_jsonl_corpus_is_one_document_per_record(cli, tmp_path):
    path = write_jsonl(tmp_path / 'corpus.jsonl', RECORDS)
    summary, _ = ingest(cli, path)
    assert summary['files'] == 1 and summary['added'] == 3, summary
    info = documents(cli)
    assert info['documents'] == 3
    sources = sorted(d['source'] for d in info['document_list'])
    assert sources == sorted('%s#%s' % (path, r['_id']) for r in RECORDS)
    meta = {d['source'].split('#')[1]: d['metadata'] for d in info['document_list']}
    assert meta['p2']['title'] == 'Replicas' and meta['p2']['year'] == 2022
    assert 'text' not in meta['p2']  # the text is the document, not metadata
    hits = [json.loads(l) for l in cli.ok('retrieve', 'kb', 'overlap tokens', '--k', '3').out.split('\n') if l]
    assert hits[0]['source'] == '%s#p3' % path
    # Filters see the record fields.
    hits = cli.ok('retrieve', 'kb', 'shards', '--filter', 'metadata.year == 2021').out
    assert '#p1"' in hits and '#p2"' not in hits


def test_reingest_updates_and_sync_removes_single_records(cli, tmp_path):
    path = write_jsonl(tmp_path / 'corpus.jsonl', RECORDS)
    ingest(cli, path)
    summary, _ = ingest(cli, path)
    assert summary['unchanged'] == 3 and summary['added'] == 0
    changed = [dict(RECORDS[0], text='A shard is a slice of a collection.'), RECORDS[1]]
    write_jsonl(path, changed)
    summary, _ = ingest(cli, path, '--sync')
    assert (summary['updated'], summary['unchanged'], summary['removed']) == (1, 1, 1), summary
    assert documents(cli)['documents'] == 2


def test_json_array_and_csv_with_chosen_fields(cli, tmp_path):
    (tmp_path / 'faq.json').write_text(json.dumps([
        {'key': 'q1', 'heading': 'Durability', 'body': 'A write is durable once fsynced.'},
        {'key': 'q2', 'heading': 'Filters', 'body': 'Filters run before ranking.'}]))
    summary, _ = ingest(cli, tmp_path / 'faq.json', '--id-field', 'key', '--title-field', 'heading',
                        '--text-field', 'body')
    assert summary['added'] == 2, summary
    (tmp_path / 'rows.csv').write_text('id,name,content\n1,Alpha,first row text\n'
                                       '2,Beta,"second, quoted text"\n')
    summary, _ = ingest(cli, tmp_path / 'rows.csv')
    assert summary['added'] == 2, summary
    titles = sorted(d['metadata'].get('title') for d in documents(cli)['document_list'])
    assert titles == ['Alpha', 'Beta', 'Durability', 'Filters']


def test_bad_corpus_is_skipped_with_the_reason(cli, tmp_path):
    path = write_jsonl(tmp_path / 'c.jsonl', RECORDS)
    summary, err = ingest(cli, path, '--text-field', 'body')
    assert summary['added'] == 0 and summary['skipped'] == 1, summary
    assert "record 1: no field 'body' (the text field given)" in summary['skipped_files'][0]['reason']
    assert 'level=warn event=ingest.skipped' in err
    dup = write_jsonl(tmp_path / 'dup.jsonl', [RECORDS[0], RECORDS[0]])
    summary, _ = ingest(cli, dup)
    assert "records 1 and 2 have the same id 'p1'" in summary['skipped_files'][0]['reason']


def test_whole_file_keeps_the_old_behaviour(cli, tmp_path):
    path = write_jsonl(tmp_path / 'corpus.jsonl', RECORDS)
    summary, _ = ingest(cli, path, '--whole-file')
    assert summary['added'] == 1
    assert [d['source'] for d in documents(cli)['document_list']] == [str(path)]
    r = cli.run('ingest', 'kb', path, '--whole-file', '--id-field', '_id')
    assert r.code == 2 and '--whole-file' in r.err, r


def test_max_chunks_per_doc_is_an_option_of_retrieve(cli, tmp_path):
    text = '\n\n'.join('Paragraph %d talks about rivers and river banks at length. ' % i * 6
                       for i in range(12))
    (tmp_path / 'long.md').write_text(text)
    cli.ok('ingest', 'kb', tmp_path / 'long.md', '--embedder', 'hash', '--chunk-size', '60',
           '--overlap', '0')
    out = cli.ok('retrieve', 'kb', 'rivers', '--k', '5', '--max-chunks-per-doc', '1',
                 '--no-merge').out
    assert len([l for l in out.splitlines() if l]) == 1
    out = cli.ok('retrieve', 'kb', 'rivers', '--k', '5', '--max-chunks-per-doc', '4',
                 '--no-merge').out
    assert len([l for l in out.splitlines() if l]) == 4
    assert '--max-chunks-per-doc N' in cli.ok('retrieve', '--help').out
