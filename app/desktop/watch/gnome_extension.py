"""The Cuecards GNOME Shell extension in both formats GNOME needs, from one source.

GNOME Shell 45 made extensions ES modules (`import Gio from 'gi://Gio'`, `export default class
… extends Extension`); 42–44 load only the older script format (`imports.gi`, a global
`init()`), and each shell marks the other's format out of date. `src/extension.js` is written
once, as a module; `render()` turns it into both. `python -m app.desktop.watch.gnome_extension`
writes them to `resources/desktop/gnome-shell-extension/<variant>/<uuid>/` (committed and
packaged; `--check` exits 1 when they are stale). `variant_for()` picks the one a running shell
loads and `install()` copies it into the person's extensions folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from app.desktop.watch.resources import desktop_resource

UUID = "cuecards@cuecards.example"
LEGACY, MODULES = "shell-42-to-44", "shell-45-and-later"
SHELL_VERSIONS = {LEGACY: ["42", "43", "44"], MODULES: ["45", "46", "47", "48"]}
FIRST_MODULE_SHELL = 45
_GI_IMPORT = re.compile(r"^import (\w+) from 'gi://\1';\n", re.MULTILINE)
_BASE_IMPORT = "import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';\n"
_CLASS = "export default class CuecardsExtension extends Extension {"
_SOURCE_NOTE = re.compile(r"^// THE source of both.*?^//\n", re.MULTILINE | re.DOTALL)


def _root() -> Path:
    return desktop_resource("gnome-shell-extension")


def render(source: str, metadata: str) -> dict[str, dict[str, str]]:
    """Both variants from the source texts: {variant: {file name: text}}.

    ValueError when the source lost one of the forms the conversion relies on."""
    base = json.loads(metadata)
    names = _GI_IMPORT.findall(source)
    for needed, what in ((_BASE_IMPORT, "the Extension import"), (_CLASS, "the class line")):
        if source.count(needed) != 1:
            raise ValueError(f"src/extension.js: {what} must appear once: {needed.strip()}")
    if not names:
        raise ValueError("src/extension.js: no `import X from 'gi://X';` line")
    body = _SOURCE_NOTE.sub("", source, count=1)
    legacy = _GI_IMPORT.sub("", body).replace(_BASE_IMPORT, "")
    first_blank = legacy.index("\n\n") + 2  # after the leading comment
    legacy = (
        legacy[:first_blank]
        + f"const {{{', '.join(names)}}} = imports.gi;\n"
        + legacy[first_blank:]
        .replace("export function ", "function ")
        .replace(_CLASS, "class CuecardsExtension {")
        + "\n// GNOME Shell 42-44 calls init() and enables what it returns.\n"
        + "function init() {\n    return new CuecardsExtension();\n}\n"
    )
    variants: dict[str, dict[str, str]] = {}
    for variant, script in ((MODULES, body), (LEGACY, legacy)):
        versions = SHELL_VERSIONS[variant]
        header = (
            f"// GENERATED for GNOME Shell {versions[0]}-{versions[-1]} from src/extension.js by "
            "`python -m app.desktop.watch.gnome_extension`;\n// edit the source, not this file.\n"
        )
        data = {**base, "shell-version": versions}
        variants[variant] = {
            "extension.js": header + script,
            "metadata.json": json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        }
    return variants


def built(root: Path | None = None) -> dict[str, dict[str, str]]:
    """What the variants must hold, rendered from the source under `root`."""
    root = root or _root()
    return render(
        (root / "src" / "extension.js").read_text(encoding="utf-8"),
        (root / "src" / "metadata.json").read_text(encoding="utf-8"),
    )


def variant_for(shell_version: str | None) -> str:
    """The variant a GNOME Shell of `shell_version` loads; unknown versions get the newest."""
    match = re.match(r"\s*(\d+)", shell_version or "")
    if match and int(match.group(1)) < FIRST_MODULE_SHELL:
        return LEGACY
    return MODULES


def extensions_dir(env: Mapping[str, str] | None = None) -> Path:
    """The person's GNOME Shell extensions folder (XDG_DATA_HOME, else ~/.local/share)."""
    env = os.environ if env is None else env
    data = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local/share")
    return Path(data) / "gnome-shell" / "extensions"


def install(shell_version: str | None, target: Path | None = None) -> Path:
    """Copy the variant for `shell_version` into `target` (default: the person's extensions
    folder)/UUID, replacing older files there; return that folder. OSError if it cannot."""
    source = _root() / variant_for(shell_version) / UUID
    folder = (target or extensions_dir()) / UUID
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("extension.js", "metadata.json"):
        data = (source / name).read_bytes()
        path = folder / name
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
    return folder


def main(argv: list[str] | None = None) -> int:
    """Write both variants next to the source, or with --check say whether they are stale."""
    parser = argparse.ArgumentParser(prog="python -m app.desktop.watch.gnome_extension")
    parser.add_argument("--check", action="store_true", help="exit 1 if the files are stale")
    args = parser.parse_args(argv)
    root = _root()
    stale = []
    for variant, files in built(root).items():
        for name, text in files.items():
            path = root / variant / UUID / name
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                continue
            stale.append(str(path))
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path}", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
