"""Results: a run folder (``oxyfield run --out``) or a batch folder (``oxyfield batch``)
read into numpy arrays and dicts. Nothing is re-simulated."""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np

from . import _native
from ._errors import input_error as _error
from .figure import Figure

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Field:
    """A field as oxyfield wrote it: ``data`` is float32 of shape (nz, ny, nx) (the
    ``.npy`` file's order); voxel (k, j, i) has its centre at
    ``origin_um + (index + 0.5) * spacing_um`` along z, y, x. Behaves as its array in
    numpy calls (``np.mean(field)``)."""

    name: str
    data: np.ndarray
    spacing_um: float
    units: str
    description: str
    origin_um: Tuple[float, float, float] = (0.0, 0.0, 0.0)

    @classmethod
    def load(cls, path: PathLike) -> "Field":
        """Reads ``NAME.npy`` with its ``NAME.json`` sidecar."""
        path = Path(path)
        data, spacing, units, description = _native.load_field(os.fspath(path))
        origin = (0.0, 0.0, 0.0)
        try:
            meta = json.loads(path.with_suffix(".json").read_text())
            origin = tuple(float(v) for v in meta.get("origin_um", origin))  # type: ignore[assignment]
        except (OSError, ValueError, TypeError):
            pass
        return cls(path.stem, data, spacing, units, description, origin)

    @property
    def shape(self) -> Tuple[int, ...]:
        """(nz, ny, nx)."""
        return tuple(self.data.shape)

    def __array__(self, dtype: Any = None, copy: Optional[bool] = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def figure(self, **options: Any) -> Figure:
        """A :class:`Figure` of this field (see :class:`Figure` for the options)."""
        return Figure(self.data, self.spacing_um, self.name, self.units, **options)


def _read_csv(path: Path) -> Dict[str, np.ndarray]:
    """A CSV table as columns: numbers as float64 (empty cells NaN), text as str arrays."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return {}
    header, body = rows[0], rows[1:]
    columns: Dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        cells = [r[j] if j < len(r) else "" for r in body]
        try:
            columns[name] = np.array([float(c) if c != "" else np.nan for c in cells])
        except ValueError:
            columns[name] = np.array(cells, dtype=str)
    return columns


def _to_pandas(columns: Dict[str, np.ndarray]) -> Any:
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("pandas is not installed: pip install pandas (or use the dict)") from e
    return pd.DataFrame(columns)


class Run:
    """A run's output folder, read lazily: ``run["o2"]`` is the pO2 field as a float32
    numpy array (z, y, x), bit for bit ``o2.npy``; :meth:`field` adds spacing, origin
    and units; :attr:`summary` is ``summary.json``; :attr:`timeline` a protocol run's
    ``timeline.csv`` as columns; :attr:`network` the vessel network as arrays."""

    def __init__(self, path: PathLike, *, _keep: Any = None) -> None:
        self.path = Path(path)
        self._keep = _keep  # a temporary folder (and its scenario) to keep alive
        self._fields: Dict[str, Field] = {}
        if not self.path.is_dir():
            raise _error(str(path), "is not a folder; give the output folder of a run (its --out)")
        if not (self.path / "summary.json").is_file():
            raise _error(
                str(path),
                "has no summary.json: not a finished run folder (an interrupted run writes "
                "none; a batch folder opens with oxyfield.load_batch)",
            )

    @property
    def fields(self) -> List[str]:
        """Names of the fields in the folder (``NAME.npy`` with ``NAME.json``), sorted."""
        return sorted(
            p.stem for p in self.path.glob("*.npy") if p.with_suffix(".json").is_file()
        )

    def field(self, name: str = "o2") -> Field:
        """Field ``name`` (``o2``, ``vessels_sv``, ``ros``, ``viable``, …)."""
        if name not in self._fields:
            if not (self.path / f"{name}.npy").is_file():
                raise _error(
                    "field",
                    f"`{name}`: {self.path} has no {name}.npy; its fields are "
                    + ", ".join(self.fields),
                )
            self._fields[name] = Field.load(self.path / f"{name}.npy")
        return self._fields[name]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.field(name).data

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.fields

    def keys(self) -> List[str]:
        """The field names, as :attr:`fields`."""
        return self.fields

    @property
    def spacing_um(self) -> float:
        """Voxel edge (µm) of the run's grid."""
        return self.field(self.fields[0]).spacing_um

    @property
    def origin_um(self) -> Tuple[float, float, float]:
        """The grid's corner (µm, z y x order as the arrays)."""
        return self.field(self.fields[0]).origin_um

    @property
    def summary(self) -> Dict[str, Any]:
        """``summary.json`` as a dict."""
        return json.loads((self.path / "summary.json").read_text())

    @property
    def name(self) -> str:
        """The scenario's name."""
        sc = self.summary.get("scenario")
        return sc if isinstance(sc, str) else self.path.name

    @property
    def finished(self) -> bool:
        """False when a protocol run stopped before its end (``until``)."""
        return not self.summary.get("partial", False)

    @property
    def timeline(self) -> Optional[Dict[str, np.ndarray]]:
        """A protocol run's ``timeline.csv`` as columns (``time_h``, ``events``,
        ``median_po2_mmhg``, …): float64 arrays, text as str arrays. None for a steady
        run."""
        path = self.path / "timeline.csv"
        return _read_csv(path) if path.is_file() else None

    def timeline_df(self) -> Any:
        """:attr:`timeline` as a pandas DataFrame (needs pandas)."""
        t = self.timeline
        if t is None:
            raise _error(str(self.path), "has no timeline.csv: it is not a protocol run")
        return _to_pandas(t)

    @property
    def network(self) -> Optional[Dict[str, np.ndarray]]:
        """The vessel network (``network.vtp``) as arrays: ``nodes_um`` (N × 3, x y z),
        ``segments`` (M × 2 node indices), ``radius_um``, ``blood_po2_mmhg``,
        ``flow_nl_per_min``, ``hematocrit`` (NaN where unknown) and ``kind``. None when
        the run wrote no network."""
        path = self.path / "network.vtp"
        return _native.read_network(os.fspath(path)) if path.is_file() else None

    def snapshots(self, name: str = "o2") -> List[Tuple[float, Field]]:
        """A protocol run's snapshots of field ``name`` as (time in hours, Field),
        sorted by time."""
        out = []
        pattern = re.compile(re.escape(name) + r"_t(.+)h")
        for p in (self.path / "snapshots").glob(f"{name}_t*h.npy"):
            m = pattern.fullmatch(p.stem)
            if m and p.with_suffix(".json").is_file():
                try:
                    out.append((float(m.group(1)), p))
                except ValueError:
                    continue
        return [(t, Field.load(p)) for t, p in sorted(out, key=lambda x: x[0])]

    def figure(self, name: str = "o2", **options: Any) -> Figure:
        """A :class:`Figure` of field ``name``, as ``oxyfield render`` draws it: vessel
        outlines from ``vessels_sv`` on slices, and blood pO2 (``vessels_pb``) grey
        where there is no wall."""
        f = self.field(name)
        data = f.data
        sv = self["vessels_sv"] if "vessels_sv" in self.fields else None
        if sv is not None and sv.shape != data.shape:
            sv = None
        if name == "vessels_pb" and sv is not None:
            data = np.where(sv > 0, data, np.float32(np.nan)).astype(np.float32)
        options.setdefault("vessels_sv", sv)
        return Figure(data, f.spacing_um, f.name, f.units, **options)

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}, fields {self.fields})"


@dataclass
class Batch:
    """A batch folder (``oxyfield batch --out``): each finished scenario's :class:`Run`
    by id, its ``[vary]`` parameters, and ``batch.csv`` (after ``oxyfield collect``)
    as columns."""

    path: Path
    runs: Dict[str, Run] = field(default_factory=dict)
    parameters: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    @property
    def table(self) -> Optional[Dict[str, np.ndarray]]:
        """``batch.csv`` as columns, None when the batch was not collected."""
        p = self.path / "batch.csv"
        return _read_csv(p) if p.is_file() else None

    def table_df(self) -> Any:
        """:attr:`table` as a pandas DataFrame (needs pandas)."""
        t = self.table
        if t is None:
            raise _error(str(self.path), "has no batch.csv: run `oxyfield collect` on it first")
        return _to_pandas(t)

    def __getitem__(self, run_id: str) -> Run:
        return self.runs[run_id]

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs.values())

    def __len__(self) -> int:
        return len(self.runs)


def load_run(path: PathLike) -> Run:
    """Opens the output folder of ``oxyfield run`` (or one scenario of a batch)."""
    return Run(path)


def load_batch(path: PathLike) -> Batch:
    """Opens the output folder of ``oxyfield batch``: its finished scenarios (folders
    with ``manifest.json``), in sweep order."""
    root = Path(path)
    if not root.is_dir():
        raise _error(str(path), "is not a folder; give the output folder of a batch (its --out)")
    found = []
    for d in root.iterdir():
        manifest = d / "manifest.json"
        if d.is_dir() and not d.name.startswith(".") and manifest.is_file():
            m = json.loads(manifest.read_text())
            found.append((m.get("index", 0), d.name, m.get("parameters", {}), d))
    if not found:
        raise _error(
            str(path),
            "holds no finished scenarios (ID/manifest.json); give the output folder of "
            "`oxyfield batch`",
        )
    found.sort(key=lambda x: (x[0], x[1]))
    batch = Batch(root)
    for _, run_id, params, d in found:
        batch.runs[run_id] = Run(d)
        batch.parameters[run_id] = params
    return batch
