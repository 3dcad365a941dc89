"""Figures of a field, rendered by oxyfield's own renderer (as ``oxyfield render``):
PNG bytes, a file, or shown inline by Jupyter through ``_repr_png_``."""

from __future__ import annotations

import os
from typing import Any, Optional, Tuple, Union

import numpy as np

from . import _native
from ._errors import input_error

PathLike = Union[str, "os.PathLike[str]"]


class Figure:
    """One slice or projection of a 3-D field (float32, z y x), drawn on demand.

    Options, as ``oxyfield render`` takes them: ``plane`` "xy", "xz" or "yz"; ``at``
    "centre", a voxel index ("12") or µm ("320um"); ``projection`` None, "max",
    "min" or "mean"; ``colormap`` "viridis", "magma", "inferno", "cividis" or
    "rdbu_r"; ``limits`` (low, high) in the field's units (default: 0–100 mmHg for
    pO2, else the data's range); ``dpi``; ``width_in`` (panel width, inches);
    ``title``; ``vessels_sv`` (a wall-area field whose vessels are outlined on slices).
    ``name`` picks the field's style: "o2" draws the 2.5 and 10 mmHg isolines.
    """

    def __init__(
        self,
        data: np.ndarray,
        spacing_um: float,
        name: str = "field",
        units: str = "",
        *,
        plane: str = "xy",
        at: Union[str, int] = "centre",
        projection: Optional[str] = None,
        colormap: str = "viridis",
        limits: Optional[Tuple[float, float]] = None,
        dpi: int = 150,
        width_in: float = 3.0,
        title: Optional[str] = None,
        vessels_sv: Optional[np.ndarray] = None,
    ) -> None:
        self.data = np.ascontiguousarray(data, dtype=np.float32)
        if self.data.ndim != 3:
            raise input_error(
                "data", f"has {self.data.ndim} dimensions; a field has 3 (nz, ny, nx)"
            )
        self.spacing_um = float(spacing_um)
        self.name, self.units = name, units
        self.options = dict(
            plane=plane,
            at=str(at),
            projection=projection,
            colormap=colormap,
            limits=None if limits is None else (float(limits[0]), float(limits[1])),
            dpi=int(dpi),
            width_in=float(width_in),
            title=title,
            vessels_sv=None
            if vessels_sv is None
            else np.ascontiguousarray(vessels_sv, dtype=np.float32),
        )
        self._png: Optional[bytes] = None

    def to_png(self) -> bytes:
        """The figure as PNG bytes (rendered once, then kept)."""
        if self._png is None:
            self._png = _native.render_png(
                self.data, self.spacing_um, self.name, self.units, **self.options
            )
        return self._png

    def save(self, path: PathLike) -> None:
        """Writes the figure to ``path`` as PNG."""
        with open(path, "wb") as f:
            f.write(self.to_png())

    def _repr_png_(self) -> bytes:
        return self.to_png()

    def __repr__(self) -> str:
        o = self.options
        return f"Figure({self.name!r}, plane {o['plane']}, at {o['at']})"
