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
