"""Install pip into a venv made --without-pip, from PyPI, checked against the lock's hashes.

Used only where Debian's python3-venv (ensurepip) is missing, so `make` needs nothing else.
"""

import hashlib
import json
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path


def main(lock: Path) -> None:
    text = lock.read_text()
    match = re.search(r"^pip==(\S+) \\\n((?:\s+--hash=sha256:\w+(?: \\)?\n)+)", text, re.M)
    if not match:
        sys.exit(f"pip is not pinned in {lock}")
    version, hashes = match[1], set(re.findall(r"sha256:(\w+)", match[2]))
    # The simple index (PEP 691 JSON) is what every PyPI mirror and proxy serves.
    request = urllib.request.Request(  # noqa: S310
        "https://pypi.org/simple/pip/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as r:  # noqa: S310
        files = json.load(r)["files"]
    wheel = next(f for f in files if f["filename"] == f"pip-{version}-py3-none-any.whl")
    with urllib.request.urlopen(wheel["url"], timeout=120) as r:  # noqa: S310
        data = r.read()
    if hashlib.sha256(data).hexdigest() not in hashes:
        sys.exit("the downloaded pip wheel does not match the locked hash; refusing it")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        path.write_bytes(data)
        # A wheel is importable as a zip; pip can install itself from it.
        subprocess.run(  # noqa: S603
            [sys.executable, f"{path}/pip", "install", "--no-index", str(path)], check=True
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
