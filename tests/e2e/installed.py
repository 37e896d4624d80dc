"""The packaged app as an admin installs it: `installer/build.py` builds the PyInstaller bundle
(reused while its sources are unchanged) and the .deb; as root the .deb is installed with
`apt-get install ./cuecards_….deb` (so its Depends are resolved) and removed again afterwards
(unless it was installed before);
without root it is unpacked with `dpkg-deb -x` into a temporary root instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.apps import ROOT

BUILD = ROOT / "installer" / "build.py"
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


@dataclass(frozen=True)
class Installed:
    """Where the package went: `root` is / for a real install; `launcher` is what a person's
    menu entry or login starts (/usr/bin/cuecards, or the bundle's executable when unpacked)."""

    deb: Path
    root: Path
    launcher: Path
    real: bool
    build_seconds: float


def build_deb() -> tuple[Path, float]:
    """`make dist`'s build: the .deb's path and how long the build took."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(BUILD)], cwd=ROOT, capture_output=True, text=True, timeout=1200
    )
    if done.returncode != 0:
        raise RuntimeError(f"installer/build.py failed:\n{done.stderr[-4000:]}")
    return Path(done.stdout.strip().splitlines()[-1]), time.monotonic() - started


def _dpkg_installed(package: str) -> bool:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
    )
    return done.returncode == 0 and "install ok installed" in done.stdout


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, env=APT_ENV, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stderr[-3000:]}")


@contextmanager
def installed_package(scratch: Path, system: bool = True) -> Iterator[Installed]:
    """Build, install (root, unless `system` is False) or unpack (otherwise), yield, then leave
    the machine as it was."""
    deb, seconds = build_deb()
    as_root = system and os.geteuid() == 0 and shutil.which("apt-get") is not None
    if not as_root:
        root = scratch / "root"
        _run(["dpkg-deb", "-x", str(deb), str(root)], "dpkg-deb -x")
        yield Installed(deb, root, root / "opt" / "cuecards" / "cuecards", False, seconds)
        return
    was_installed = _dpkg_installed("cuecards")
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    _run(["apt-get", "install", "-y", "-q", *lock, str(deb)], f"apt-get install {deb}")
    try:
        yield Installed(deb, Path("/"), Path("/usr/bin/cuecards"), True, seconds)
    finally:
        if not was_installed:
            _run(["apt-get", "purge", "-y", "-q", *lock, "cuecards"], "apt-get purge cuecards")
