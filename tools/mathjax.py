"""Put MathJax where the book serves it from, so that its math renders with no network.

``python tools/mathjax.py DEST`` downloads the npm registry's ``mathjax`` package (the
version pinned below, checked against the registry's SHA-512) once into ``.cache/``, and
writes its single-file TeX-to-SVG bundle (every TeX extension included, fonts as SVG paths,
so nothing else is fetched at reading time) and its licence into ``DEST``. ``make book``
runs it; ``_config.yml`` serves ``DEST`` as a static folder and points ``mathjax_path`` at
the bundle. Standard library only: it runs before anything else is installed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "3.2.2"
URL = f"https://registry.npmjs.org/mathjax/-/mathjax-{VERSION}.tgz"
# `npm view mathjax@3.2.2 dist.integrity`
INTEGRITY = "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
MEMBERS = {
    "package/es5/tex-svg-full.js": "tex-svg-full.js",
    "package/LICENSE": "LICENSE",
}
CACHE = Path(__file__).resolve().parent.parent / ".cache" / f"mathjax-{VERSION}.tgz"


def _checked(data: bytes) -> bytes:
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        raise SystemExit(f"error: {URL} does not match its pinned SHA-512 ({digest})")
    return data


def tarball() -> bytes:
    """The package's tarball, from the cache or the registry (then cached)."""
    if CACHE.is_file():
        return _checked(CACHE.read_bytes())
    print(f"downloading MathJax {VERSION} from the npm registry", file=sys.stderr)
    with urllib.request.urlopen(URL, timeout=120) as response:
        data = _checked(response.read())
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.with_suffix(".part").write_bytes(data)
    CACHE.with_suffix(".part").replace(CACHE)
    return data


def main(dest: str) -> None:
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball()), mode="r:gz") as tar:
        for member, name in MEMBERS.items():
            (dest / name).write_bytes(tar.extractfile(member).read())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tools/mathjax.py DEST_FOLDER")
    main(sys.argv[1])
