import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'lib'))
from ragdb_cli import Cli, FakeHub  # noqa: E402


@pytest.fixture
def hub():
    h = FakeHub()
    yield h
    h.close()


@pytest.fixture
def cli(tmp_path):
    """ragdb with its own data folder and model cache; the model hub is unreachable."""
    return Cli(tmp_path)


@pytest.fixture
def online(tmp_path, hub):
    """ragdb whose model hub is the loopback FakeHub."""
    return Cli(tmp_path, hub)
