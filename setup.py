"""Build script: the pure-Python packages plus the Cython extensions in src_ext/.

The connectors live in ``connectors/`` and install as the ``fastconnect_connectors``
package, so that they are imported exactly as a third-party plugin would be.
Set ``FASTCONNECT_NO_EXT=1`` to install without compiling (the pure-Python twins
then serve every call).
"""

import os

from setuptools import Extension, find_packages, setup


def _packages():
    packages = find_packages(include=["fastconnect", "fastconnect.*"])
    packages += [
        "fastconnect_connectors" + name[len("connectors"):]
        for name in find_packages(include=["connectors", "connectors.*"])
    ]
    return packages


def _extensions():
    if os.environ.get("FASTCONNECT_NO_EXT") == "1":
        return []
    from Cython.Build import cythonize

    sources = sorted(f for f in os.listdir("src_ext") if f.endswith(".pyx"))
    extensions = [
        # rdkafka opens librdkafka at import (dlopen), so nothing links against it here.
        Extension(f"fastconnect._ext.{name[:-4]}", [os.path.join("src_ext", name)],
                  include_dirs=["src_ext"], libraries=["dl"] if name == "rdkafka.pyx" else [])
        for name in sources
    ]
    return cythonize(extensions, language_level=3, include_path=["src_ext"],
                     compiler_directives={"boundscheck": False, "wraparound": False})


setup(
    packages=_packages(),
    package_dir={"fastconnect_connectors": "connectors"},
    ext_modules=_extensions(),
)
