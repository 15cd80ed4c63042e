"""Every notebook becomes a reveal.js deck with one section per slide."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from workshop_lib import slides

SOLUTIONS = sorted((Path(__file__).resolve().parent.parent / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=lambda p: p.name)
def test_each_deck_has_its_slides(notebook, tmp_path):
    nb = nbformat.read(notebook, as_version=4)
    expected = sum(
        1
        for c in nb.cells
        if c.metadata.get("slideshow", {}).get("slide_type") in ("slide", "subslide")
    )
    assert expected >= 5, "a deck needs slides"
    (deck,) = slides.build(tmp_path, [notebook], reveal="reveal.js")
    html = deck.read_text()
    assert html.count("<section") >= expected
    assert '"reveal.js/dist/reveal.js"' in html  # the local copy, for offline rooms


def test_an_offline_deck_loads_nothing_from_the_internet(tmp_path):
    """Every script, style and module a deck loads (``src``, ``href`` of stylesheets, ES
    module imports, require.js paths, the widget renderer) is a path below node_modules."""
    import re

    (deck,) = slides.build(tmp_path, [SOLUTIONS[0]], offline=True)
    html = deck.read_text()
    loaded = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    loaded += re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html)
    loaded += re.findall(r'<link[^>]*href="([^"]+)"[^>]*rel="stylesheet"', html)
    loaded += re.findall(r"import \w+ from '([^']+)'", html)
    loaded += re.findall(r"var widgetRendererSrc = '([^']+)';", html)[:1]  # ipywidgets 8's
    loaded += re.findall(r'"(node_modules/reveal\.js/[^"]+)"', html)
    assert len(loaded) >= 8, loaded
    remote = [url for url in loaded if not url.startswith(f"{slides.LOCAL}/")]
    assert remote == []
    for url in loaded:  # each names a file of a vendored package
        package = (
            url.split("/")[1]
            if not url.split("/")[1].startswith("@")
            else "/".join(url.split("/")[1:3])
        )
        assert package in slides.VENDORED, url
    assert f"reveal.js/dist/theme/{slides.OFFLINE_THEME}.css" in html
