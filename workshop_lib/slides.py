"""``make slides``: the solved notebooks as reveal.js decks, one per notebook.

Cells carry ``slideshow`` metadata (set by ``authoring.normalize``: headings open slides),
so ``nbconvert --to slides`` turns each notebook into the talk it came from. With
``reveal=...`` the decks load reveal.js from a local folder (for rooms without internet;
``make slides OFFLINE=1`` fetches it from the npm registry once).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(
    out_dir: Path, notebooks: list[Path] | None = None, reveal: str | None = None
) -> list[Path]:
    """Write one ``NN_name.slides.html`` per notebook into ``out_dir``; return the paths."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter()
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workshop_lib.slides")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    parser.add_argument("--reveal", help="URL or folder of reveal.js (default: a CDN)")
    args = parser.parse_args(argv)
    for path in build(args.out, reveal=args.reveal):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
