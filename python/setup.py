"""pip install ./python -- the ragdb package, with its engine built by the project's CMake build.

No network is needed: Debian's setuptools, pybind11-dev and python3-dev build it (there is no
pyproject.toml build-system table, so pip uses the installed setuptools without build isolation),
and numpy comes from python3-numpy. The engine compiles into <repo>/build-python (kept between
installs: a second install only rebuilds what changed; ccache is used when installed);
RAGDB_BUILD_DIR picks another folder. Debian's Python refuses system-wide installs (PEP 668):
install into a venv made with --system-site-packages (to see Debian's numpy), or with --user /
--break-system-packages. See docs/python.md.
"""
import os
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


class CMakeBuild(build_ext):
    """Builds the target ragdb_python (python/CMakeLists.txt) and copies the module."""

    def build_extension(self, ext):
        if not os.path.exists(os.path.join(REPO, "CMakeLists.txt")):
            sys.exit(f"ragdb: {HERE} must be built inside the ragdb source tree")
        build_dir = os.environ.get("RAGDB_BUILD_DIR", os.path.join(REPO, "build-python"))
        configure = ["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                     f"-DPython3_EXECUTABLE={sys.executable}"]
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")) and shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        if shutil.which("ccache"):
            configure += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache",
                          "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
        subprocess.check_call(configure)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "ragdb_python"])
        built = os.path.join(build_dir, "python", "ragdb",
                             "_ragdb" + sysconfig.get_config_var("EXT_SUFFIX"))
        dest = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(built, dest)


setup(
    name="ragdb",
    version="0.1.0",
    description="ragdb, an AI database: the embedded engine and the server from Python",
    packages=["ragdb"],
    package_data={"ragdb": ["*.pyi", "py.typed"]},
    ext_modules=[Extension("ragdb._ragdb", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    install_requires=["numpy"],
    python_requires=">=3.9",
    zip_safe=False,
)
