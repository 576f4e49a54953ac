"""Issue 14, item 2: help on stdout with exit 0, per command, listing every flag."""
import re

import pytest

from ragdb_cli import SOURCE_DIR

COMMANDS = ['create', 'list', 'describe', 'drop', 'upsert', 'import', 'get', 'delete', 'count',
            'scroll', 'search', 'optimize', 'check', 'serve', 'cluster', 'embed', 'rerank', 'model',
            'eval', 'kb', 'ingest', 'retrieve', 'ask', 'eval-kb', 'mcp']
SUBCOMMANDS = ['kb list', 'kb create', 'kb describe', 'kb drop', 'model pull', 'model list']


def test_top_level_help_goes_to_stdout(cli):
    for args in (['--help'], ['-h'], ['help']):
        r = cli.run(*args, data=False)
        assert r.code == 0 and r.err == '', r
        assert r.out.startswith('ragdb: an AI database'), r
        assert ('usage: ragdb [--data DIR] [--log-level LEVEL] [--memory-limit SIZE] [--read-only]'
                in r.out), r.out
        for c in COMMANDS:
            assert '\n  ' + c in r.out, c


def test_no_command_is_a_usage_error_on_stderr(cli):
    r = cli.run(data=False)
    assert r.code == 2 and r.out == '' and 'usage: ragdb' in r.err, r


def flags_of(text):
    return set(re.findall(r'(?<![\w-])--[a-z][a-z0-9-]*', text))


def test_top_level_help_lists_every_flag_the_readme_uses(cli):
    readme = (SOURCE_DIR / 'README.md').read_text()
    used = set()
    for line in readme.splitlines():
        if re.match(r'\s*(\|\s*)?(\./build/)?ragdb ', line) or '| ragdb ' in line:
            used |= flags_of(line)
    assert {'--quantization', '--m', '--ef', '--nprobe', '--near-text', '--embedder'} <= used
    help_text = cli.ok('--help', data=False).out
    missing = sorted(f for f in used if f not in flags_of(help_text))
    assert not missing, 'flags in README.md but not in `ragdb --help`: %s' % missing


@pytest.mark.parametrize('command', COMMANDS + SUBCOMMANDS)
def test_every_command_answers_help_with_usage_flags_and_an_example(cli, command):
    r = cli.run(*command.split(), '--help')
    assert r.code == 0 and r.err == '', r
    assert r.out.startswith('usage: ragdb ' + command.split()[0]), r.out
    examples = r.out.split('\nexamples:\n', 1)[1]
    assert re.search(r'ragdb (--data \S+ )?' + command.split()[0] + r'\b', examples), r.out
    assert not cli.data.exists()  # help opens nothing


def test_subcommand_help_is_not_taken_as_an_argument(online, hub):
    r = online.run('model', 'pull', '--help')
    assert r.code == 0, r
    assert r.out.startswith('usage: ragdb model pull NAME'), r.out
    assert hub.requests == []  # no model called "--help" was fetched
    r = online.run('kb', 'create', '--help')
    assert r.code == 0 and r.out.startswith('usage: ragdb kb create NAME'), r
    assert '--chunk-size' in r.out and '--embedder' in r.out


def test_help_command_and_flag_agree(cli):
    assert cli.ok('help', 'search').out == cli.ok('search', '--help').out
    assert cli.ok('help', 'model', 'pull').out == cli.ok('model', 'pull', '--help').out


def help_flags(cli, command):
    """(flag, a valid value or None) for each option line of `ragdb COMMAND --help`: the flag
    column is "--k N", "--with-vector", "--fusion rrf|weighted" or "--preset anserini"."""
    out = cli.ok(*command.split(), '--help').out
    options = out.split('\noptions:\n', 1)[1].split('\n\n', 1)[0] if '\noptions:\n' in out else ''
    found = []
    for line in options.splitlines():
        m = re.match(r'  (--[a-z][a-z0-9-]*)(?: (\S+))?(?:  |$)', line)
        if not m:
            continue
        spec = m.group(2)
        if spec is None:
            value = None
        elif re.match(r'[a-z]', spec):
            value = spec.split('|')[0]  # a literal choice
        else:
            value = '1'  # a placeholder such as N or MODEL
        found.append((m.group(1), value))
    return found


# Commands with options (`cluster` parses its own, in the cluster layer).
@pytest.mark.parametrize('command', [c for c in COMMANDS if c not in ('list', 'describe', 'drop',
                                                                        'get', 'optimize',
                                                                        'check', 'upsert',
                                                                        'model', 'cluster')])
def test_every_flag_in_help_is_accepted_by_the_command(cli, command):
    flags = help_flags(cli, command)
    assert flags, 'no options listed for ' + command
    for flag, value in flags:
        # A flag the parser knows passes; the unknown one after it is what gets reported, so
        # the command never runs.
        args = [flag] + ([value] if value is not None else []) + ['--zz-not-a-flag']
        r = cli.run(command, *args)
        assert r.code == 2, (flag, r)
        assert 'unknown option --zz-not-a-flag' in r.err, (flag, r)
