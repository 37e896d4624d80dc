"""The packaged app: what it weighs and how fast the installed binary shows its tray icon.

* `dist_bundle_mb`: the PyInstaller folder (dist/cuecards) on disk, with the time the build
  took (`installer/build.py`; 0-ish and `reused` when the bundle was current).
* `dist_deb_mb`: the .deb file, with `Installed-Size` beside it.
* `dist_startup_tray_s`: process start → the icon docked in trayer (seen by the same observer
  process as `startup_tray_s` in bench_moment), for the installed launcher (/usr/bin/cuecards
  as root after `apt-get install`, else, and in quick mode, the unpacked bundle), beside its
  yardstick `python -m app run` from the checkout, measured the same way in the same session,
  alternating.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.bench.bench_moment import Observer
from tests.bench.common import BenchError, metric, require
from tests.e2e.apps import stop_app
from tests.e2e.installed import BUILD, Installed, installed_package
from tests.e2e.xsession import XSession, missing_tools

METRICS = ("dist_bundle_mb", "dist_deb_mb", "dist_startup_tray_s")
X_TOOLS = ("trayer", "dpkg-deb")  # an X session, and these tools
REPO = Path(__file__).resolve().parents[2]
STARTS, QUICK_STARTS = 5, 1


def _disk_mb(root: Path) -> float:
    """Allocated size, each inode once (as `du` counts)."""
    seen: set[int] = set()
    blocks = 0
    for path in [root, *root.rglob("*")]:
        st = path.lstat()
        if st.st_ino not in seen:
            seen.add(st.st_ino)
            blocks += st.st_blocks
    return blocks * 512 / 1e6


def _command(which: str, package: Installed, data: Path) -> list[str]:
    if which == "installed":
        return [str(package.launcher), "--data-dir", str(data), "run"]
    return [sys.executable, "-m", "app", "--data-dir", str(data), "run"]


def _start(session: XSession, observer: Observer, command: list[str], env: dict[str, str]) -> float:
    since = observer.mark()
    started = time.monotonic()
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        docked = observer.wait(lambda r: r["kind"] == "docked", since)
    finally:
        code, _, err = stop_app(proc)
    if code != 0:
        raise BenchError(f"{command[0]} exited with {code}: {err[-2000:]}")
    return docked["t"] - started


def run(quick: bool = False) -> Iterator[dict]:
    missing = missing_tools(X_TOOLS)
    if missing:
        raise BenchError(f"tools missing: {', '.join(missing)} (sh tests/system-deps.sh)")
    starts = QUICK_STARTS if quick else STARTS
    reused = (REPO / "build" / "bundle.key").is_file()
    with tempfile.TemporaryDirectory(prefix="bench-dist-") as tmp:
        scratch = Path(tmp)
        # Quick mode unpacks the .deb instead of installing it on the machine (as root).
        with installed_package(scratch, system=not quick) as package:
            bundle = REPO / "dist" / "cuecards"
            require((bundle / "cuecards").is_file(), f"no executable in {bundle}")
            require(package.launcher.exists(), f"the launcher {package.launcher} is missing")
            yield metric(
                "dist_bundle_mb",
                _disk_mb(bundle),
                "MB",
                None,
                info="DESIGN.md sets no size budget; the download and disk cost, to watch",
                build_s=round(package.build_seconds, 1),
                bundle_reused=reused,
                builder=str(BUILD.relative_to(REPO)),
            )
            fields = subprocess.run(
                ["dpkg-deb", "-f", str(package.deb), "Installed-Size"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            yield metric(
                "dist_deb_mb",
                package.deb.stat().st_size / 1e6,
                "MB",
                None,
                info="DESIGN.md sets no size budget; what an admin deploys",
                installed_mb=round(int(fields.strip()) / 1024, 1),
            )
            home = scratch / "home"  # the installed app adds itself to autostart: not ours
            env = {
                **os.environ,
                "HOME": str(home),
                "XDG_CONFIG_HOME": str(home / ".config"),
                "PYTHONPATH": str(REPO),
            }
            env.pop("QT_QPA_PLATFORM", None)
            session = XSession()
            try:
                session.start()
                session.start_trayer()
                env["DISPLAY"] = session.display
                observer = Observer(session)
                try:
                    times: dict[str, list[float]] = {"installed": [], "make_run": []}
                    datas = {name: scratch / name for name in times}
                    for name in times:  # first starts install the demo pack: not measured
                        _start(session, observer, _command(name, package, datas[name]), env)
                    for _ in range(starts):
                        for name in times:
                            command = _command(name, package, datas[name])
                            times[name].append(_start(session, observer, command, env))
                finally:
                    observer.close()
            finally:
                session.stop()
            yield metric(
                "dist_startup_tray_s",
                statistics.median(times["installed"]),
                "s",
                0.4,
                yardstick=statistics.median(times["make_run"]),
                yardstick_of="`python -m app run` from the checkout",
                best_s=round(min(times["installed"]), 4),
                make_run_best_s=round(min(times["make_run"]), 4),
                starts=starts,
                launcher=str(package.launcher),
            )
