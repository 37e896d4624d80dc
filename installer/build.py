"""`make dist`: the PyInstaller one-folder bundle, then (on Debian) the `.deb` around it.

    python installer/build.py [--bundle-only] [--force]

The bundle is `dist/cuecards/`; it is rebuilt only when `app/`, `resources/`, the spec,
`pyproject.toml`, PyInstaller or Python changed (the key is in `build/bundle.key`). The
package is `dist/cuecards_<version>_<arch>.deb`, rebuilt only when the bundle or the package's
own files changed (`build/deb.key`), built with `dpkg-deb`: the bundle under
`/opt/cuecards`, `/usr/bin/cuecards`, the menu entry, hicolor icons, the example policy in
`/etc/cuecards/`, a system-wide autostart entry, and `Depends` found from what the bundle's
binaries link against (`ldd`, then `dpkg -S`), so the X and Qt libraries come from Debian.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUILD = ROOT / "build"
BUNDLE = DIST / "cuecards"
KEY_FILE = BUILD / "bundle.key"
DEB_KEY_FILE = BUILD / "deb.key"
# What the .deb holds beside the bundle (app/ and resources/ are in the bundle's key).
DEB_SOURCES = ("installer/build.py", "installer/linux", "installer/policy.example.toml", "LICENSE")
SPEC = ROOT / "installer" / "cuecards.spec"
LINUX = ROOT / "installer" / "linux"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
LAUNCHER = "/usr/bin/cuecards"
SOURCES = ("app", "resources")
SPEC_FILES = ("installer/cuecards.spec", "installer/entry.py", "installer/macos/Info.plist")

sys.path.insert(0, str(ROOT))


class BuildError(Exception):
    """A build step failed; the message says which and why."""


def source_key() -> str:
    """A hash of everything the bundle is made from (sources, resources, tool versions)."""
    import PyInstaller

    digest = hashlib.sha256(f"{sys.version}\0{PyInstaller.__version__}\0".encode())
    files = [ROOT / "pyproject.toml", *(ROOT / f for f in SPEC_FILES if (ROOT / f).is_file())]
    for top in SOURCES:
        files += sorted(
            p
            for p in (ROOT / top).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        )
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def build_bundle(force: bool = False) -> Path:
    """Run PyInstaller on installer/cuecards.spec unless the bundle is current."""
    key = source_key()
    executable = BUNDLE / ("cuecards.exe" if sys.platform == "win32" else "cuecards")
    current = executable.is_file() and KEY_FILE.is_file() and KEY_FILE.read_text().strip() == key
    if current and not force:
        print(f"build: bundle is current ({BUNDLE})", file=sys.stderr)
        return BUNDLE
    BUILD.mkdir(exist_ok=True)
    KEY_FILE.unlink(missing_ok=True)
    log = BUILD / "pyinstaller.log"
    started = time.monotonic()
    with log.open("w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean"]
            + ["--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"), str(SPEC)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-30:]
        raise BuildError("PyInstaller failed (" + str(log) + "):\n" + "\n".join(tail))
    KEY_FILE.write_text(key + "\n")
    print(f"build: bundle in {time.monotonic() - started:.0f} s: {BUNDLE}", file=sys.stderr)
    return BUNDLE


# ----- Linux .deb ------------------------------------------------------------------------------


def _elf_files(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def linked_system_libraries(bundle: Path) -> set[Path]:
    """Every library outside the bundle that its binaries load, as the bootloader would run
    them; a library found nowhere fails the build (it would fail on every machine)."""
    internal = bundle / "_internal"
    env = {
        **os.environ,
        "LD_LIBRARY_PATH": f"{internal}:{internal / 'PySide6' / 'Qt' / 'lib'}",
    }
    system: set[Path] = set()
    missing: set[str] = set()
    for elf in _elf_files(bundle):
        done = subprocess.run(["ldd", str(elf)], capture_output=True, text=True, env=env)
        for line in done.stdout.splitlines():
            name, arrow, rest = line.strip().partition(" => ")
            if not arrow:
                continue
            target = rest.split(" (")[0].strip()
            if target == "not found":
                missing.add(f"{name} (needed by {elf.relative_to(bundle)})")
            elif target and not Path(target).resolve().is_relative_to(bundle.resolve()):
                system.add(Path(target))
    if missing:
        raise BuildError("libraries found nowhere:\n  " + "\n  ".join(sorted(missing)))
    return system


def packages_of(libraries: set[Path]) -> list[str]:
    """The Debian packages that ship these libraries (`dpkg -S`, merged-/usr aware)."""
    patterns = sorted({f"*/{p.parent.name}/{p.name}" for p in libraries})
    done = subprocess.run(["dpkg", "-S", *patterns], capture_output=True, text=True)
    packages: set[str] = set()
    owned: set[str] = set()
    for line in done.stdout.splitlines():
        if line.startswith("diversion "):
            continue
        owners, _, path = line.partition(": ")
        for owner in owners.split(", "):
            packages.add(owner.split(":")[0])
        owned.add(f"{Path(path).parent.name}/{Path(path).name}")
    unowned = [p for p in patterns if p[2:] not in owned]
    if unowned:
        raise BuildError("no Debian package owns: " + ", ".join(unowned))
    return sorted(packages)


def _architecture() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _control(version: str, arch: str, depends: list[str], installed_kb: int) -> str:
    return (
        "Package: cuecards\n"
        f"Version: {version}\n"
        "Section: utils\n"
        "Priority: optional\n"
        f"Architecture: {arch}\n"
        "Maintainer: Cuecards <packages@cuecards.example>\n"
        f"Installed-Size: {installed_kb}\n"
        f"Depends: {', '.join(depends)}\n"
        "Homepage: https://cuecards.example\n"
        "Description: tips at the moment of need, from your team's card packs\n"
        " Cuecards sits in the system tray, notices which application is in front,\n"
        " and when a card written by your team fits, shows it in a quiet popup that\n"
        " never takes focus. A global hotkey opens a search palette over every card.\n"
        " Packs are signed Markdown files; an admin policy in /etc/cuecards fixes\n"
        " sources, keys and settings.\n"
    )


def stage_deb(bundle: Path, root: Path) -> None:
    """Lay out the package's files under `root` (DEBIAN/ is written by build_deb)."""
    from app.desktop.autostart import desktop_entry

    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(bundle, root / "opt" / "cuecards", symlinks=True)
    usr_bin = root / "usr" / "bin"
    usr_bin.mkdir(parents=True)
    (usr_bin / "cuecards").symlink_to("/opt/cuecards/cuecards")
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy2(LINUX / "cuecards.desktop", share / "applications" / "cuecards.desktop")
    icons = ROOT / "resources" / "icons"
    for size in ICON_SIZES:
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy2(icons / f"cuecards-{size}.png", target / "cuecards.png")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy2(icons / "cuecards.svg", scalable / "cuecards.svg")
    doc = share / "doc" / "cuecards"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Cuecards\nSource: https://cuecards.example\n\n"
        + (ROOT / "LICENSE").read_text(encoding="utf-8")
    )
    etc = root / "etc" / "cuecards"
    etc.mkdir(parents=True)
    shutil.copy2(ROOT / "installer" / "policy.example.toml", etc / "policy.toml.example")
    autostart = root / "etc" / "xdg" / "autostart"
    autostart.mkdir(parents=True)
    (autostart / "cuecards.desktop").write_text(desktop_entry([LAUNCHER, "run"]))
    for path in root.rglob("*"):
        if not path.is_symlink():
            executable = path.is_dir() or os.access(path, os.X_OK) and path.suffix != ".png"
            path.chmod(0o755 if executable else 0o644)


def deb_key() -> str:
    """A hash of what the .deb is made from: the bundle's key and the package's own files."""
    digest = hashlib.sha256(KEY_FILE.read_text().encode())
    for name in DEB_SOURCES:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def build_deb(bundle: Path, force: bool = False) -> Path:
    """dist/cuecards_<version>_<arch>.deb from the bundle, unless it is current."""
    from app import __version__

    key = deb_key()
    arch = _architecture()
    out = DIST / f"cuecards_{__version__}_{arch}.deb"
    current = out.is_file() and DEB_KEY_FILE.is_file() and DEB_KEY_FILE.read_text().strip() == key
    if current and not force:
        print(f"build: package is current ({out})", file=sys.stderr)
        return out
    DEB_KEY_FILE.unlink(missing_ok=True)
    started = time.monotonic()
    root = BUILD / "deb" / "root"
    stage_deb(bundle, root)
    depends = packages_of(linked_system_libraries(root / "opt" / "cuecards"))
    size_kb = sum(p.lstat().st_size for p in root.rglob("*") if not p.is_dir()) // 1024
    debian = root / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(_control(__version__, arch, depends, size_kb))
    etc = sorted(p for p in (root / "etc").rglob("*") if p.is_file())
    (debian / "conffiles").write_text("".join(f"/{p.relative_to(root)}\n" for p in etc))
    sums = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not path.is_symlink() and rel.parts[0] not in ("DEBIAN", "etc"):
            sums.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {rel}\n")
    (debian / "md5sums").write_text("".join(sums))
    for path in debian.iterdir():
        path.chmod(0o644)
    done = subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zzstd", "-z9", "--build", str(root), str(out)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BuildError(f"dpkg-deb failed: {done.stderr.strip()}")
    DEB_KEY_FILE.write_text(key + "\n")
    print(f"build: package in {time.monotonic() - started:.0f} s: {out}", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle-only", action="store_true", help="skip the .deb")
    parser.add_argument("--force", action="store_true", help="rebuild the bundle and the package")
    args = parser.parse_args(argv)
    try:
        bundle = build_bundle(force=args.force)
        if not args.bundle_only and sys.platform.startswith("linux"):
            if shutil.which("dpkg-deb") is None:
                raise BuildError("dpkg-deb is missing: the .deb is built on Debian or Ubuntu")
            print(build_deb(bundle, force=args.force))
        else:
            print(bundle)
    except BuildError as exc:
        print(f"build: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
