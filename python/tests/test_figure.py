"""Figures: PNG bytes from oxyfield's renderer, files, Jupyter's _repr_png_."""

from __future__ import annotations

import struct

import numpy as np
import pytest

import oxyfield
from conftest import SMALL

PNG = b"\x89PNG\r\n\x1a\n"


def size(png: bytes):
    """Width and height from the IHDR chunk."""
    return struct.unpack(">II", png[16:24])


@pytest.fixture(scope="module")
def run():
    return oxyfield.Scenario.default(SMALL).run(backend="cpu")


def test_a_run_figure_is_a_png_jupyter_shows(run, tmp_path):
    fig = run.figure("o2")
    png = fig._repr_png_()
    assert png.startswith(PNG)
    w, h = size(png)
    assert 300 < w < 2000 and 200 < h < 2000
    fig.save(tmp_path / "o2.png")
    assert (tmp_path / "o2.png").read_bytes() == png


def test_figure_options_change_the_picture(run):
    a = run.figure("o2").to_png()
    b = run.figure("o2", plane="xz", projection="mean", colormap="magma", dpi=100).to_png()
    assert a != b
    c = run.field("ros").figure(limits=(0.0, 0.1), at="3").to_png()
    assert c.startswith(PNG)


def test_any_array_can_be_drawn():
    data = np.linspace(0, 1, 4 * 8 * 8, dtype=np.float32).reshape(4, 8, 8)
    png = oxyfield.Figure(data, 5.0, "phi", "1", title="a ramp").to_png()
    assert png.startswith(PNG)


def test_bad_figure_options_are_errors_naming_the_option(run):
    with pytest.raises(oxyfield.OxyfieldError) as e:
        run.figure("o2", plane="xw").to_png()
    assert e.value.file == "plane"
    with pytest.raises(oxyfield.OxyfieldError) as e:
        run.figure("o2", at="99").to_png()
    assert "99" in str(e.value)
    with pytest.raises(oxyfield.OxyfieldError):
        oxyfield.Figure(np.zeros((4, 4)), 1.0)
