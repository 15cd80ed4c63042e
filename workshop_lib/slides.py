"""``make slides``: the solved notebooks as reveal.js decks, one per notebook.

Cells carry ``slideshow`` metadata (set by ``authoring.normalize``: headings open slides),
so ``nbconvert --to slides`` turns each notebook into the talk it came from. By default a
deck loads its scripts and styles from CDNs, as nbconvert writes it. For a room without
internet, ``make slides OFFLINE=1`` (``--offline``) first copies every one of them from the
npm registry into ``build/slides/node_modules`` (:data:`VENDORED`, exact versions) and points
the decks there: reveal.js, jQuery, require.js (which loads reveal.js), MathJax, mermaid and
the widget renderer. The theme is one whose fonts come with reveal.js (``simple`` imports
Google Fonts).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Every package a deck loads, at the version nbconvert's defaults name (jQuery: the last
#: 2.x on npm, which has no 2.0.3; the widget renderer: the 1.x that ipywidgets 8 pairs with).
VENDORED = {
    "reveal.js": "4.0.2",
    "jquery": "2.2.4",
    "requirejs": "2.1.10",
    "mathjax": "2.7.7",
    "mermaid": "11.10.0",
    "@jupyter-widgets/html-manager": "1.0.15",
}
#: Where the decks find them, relative to the deck.
LOCAL = "node_modules"
#: A reveal.js theme that needs nothing from the internet (its fonts are in reveal.js).
OFFLINE_THEME = "white"


def local_urls(prefix: str = LOCAL) -> dict[str, str]:
    """nbconvert's URL settings pointed at the vendored copies below ``prefix``."""
    return {
        "reveal_url_prefix": f"{prefix}/reveal.js",
        "jquery_url": f"{prefix}/jquery/dist/jquery.min.js",
        "require_js_url": f"{prefix}/requirejs/require.js",
        "mathjax_url": f"{prefix}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
        "mermaid_js_url": f"{prefix}/mermaid/dist/mermaid.esm.min.mjs",
        "widget_renderer_url": f"{prefix}/@jupyter-widgets/html-manager/dist/embed-amd.js",
        "reveal_theme": OFFLINE_THEME,
    }


def build(
    out_dir: Path,
    notebooks: list[Path] | None = None,
    reveal: str | None = None,
    offline: bool = False,
) -> list[Path]:
    """Write one ``NN_name.slides.html`` per notebook into ``out_dir``; return the paths.

    ``offline``: every script and style from :func:`local_urls` (see :func:`vendor`);
    ``reveal``: only reveal.js from this URL or folder."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter()
    if offline:
        for name, url in local_urls().items():
            setattr(exporter, name, url)
    if reveal:
        exporter.reveal_url_prefix = reveal
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for notebook in notebooks or sorted((ROOT / "solutions").glob("*.ipynb")):
        body, _ = exporter.from_filename(str(notebook))
        target = out_dir / f"{notebook.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def vendor(out_dir: Path, npm: str = "npm") -> Path:
    """Copy every package of :data:`VENDORED` into ``out_dir/node_modules`` (once).

    ``npm pack`` fetches each package's own tarball, without its dependencies: what a deck
    loads is in each package's ``dist`` (bundled), and a full ``npm install`` of these
    would also bring their build-time dependencies, many times the size of what is used."""
    modules = out_dir / LOCAL
    missing = {
        name: version
        for name, version in VENDORED.items()
        if _installed_version(modules / name) != version
    }
    if not missing:
        return modules
    if shutil.which(npm) is None:
        raise SystemExit(
            "make slides OFFLINE=1 copies the decks' scripts from the npm registry once: "
            "install Node.js (npm), or copy build/slides/node_modules from a machine that has it"
        )
    with tempfile.TemporaryDirectory(prefix="workshop-slides-") as tmp:
        specs = [f"{name}@{version}" for name, version in missing.items()]
        packed = subprocess.run(
            [npm, "pack", "--silent", "--pack-destination", tmp, *specs],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        for name, tarball in zip(missing, packed, strict=True):
            target = modules / name
            shutil.rmtree(target, ignore_errors=True)
            _extract_package(Path(tmp) / tarball, target)
    return modules


def _installed_version(folder: Path) -> str | None:
    import json

    try:
        return json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def _extract_package(tarball: Path, target: Path) -> None:
    """An npm tarball's ``package/`` folder as ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts
            if len(parts) < 2 or not (member.isfile() or member.isdir()):
                continue  # the top folder itself, links
            member.name = str(Path(*parts[1:]))  # package/dist/x.js -> dist/x.js
            if hasattr(tarfile, "data_filter"):  # Python 3.10.12+: refuse paths outside
                archive.extract(member, target, filter="data")
            else:
                archive.extract(member, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workshop_lib.slides")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    parser.add_argument("--reveal", help="URL or folder of reveal.js (default: a CDN)")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="copy every script and style into OUT/node_modules and load them from there",
    )
    args = parser.parse_args(argv)
    if args.offline:
        vendor(args.out)
    for path in build(args.out, reveal=args.reveal, offline=args.offline):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
