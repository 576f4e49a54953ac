"""`pip install ./python` works without network: into a venv that sees Debian's numpy, built by
the project's CMake build (build-python/, kept between installs), importable from anywhere."""
import os
import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.install
def test_pip_install_into_a_venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PIP_NO_INDEX"] = "1"  # no network: everything comes from Debian's packages
    out = subprocess.run([str(venv / "bin" / "pip"), "install", str(REPO / "python")],
                         env=env, capture_output=True, text=True, timeout=3000)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    code = ("import numpy as np, ragdb, os, sys; "
            "assert ragdb.__file__.startswith(sys.prefix), ragdb.__file__; "
            "d = os.path.dirname(ragdb.__file__); "
            "assert {'__init__.pyi', 'py.typed'} <= set(os.listdir(d)); "
            "db = ragdb.open('db'); c = db.create_collection('c', dim=2); "
            "c.upsert(ids=[1], vectors=np.ones((1, 2))); print(c.search([1, 1], k=1)[0].id)")
    run = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "1", run.stderr
