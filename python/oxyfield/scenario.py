"""Scenarios: from a TOML file, TOML text or the embedded default, with overrides by
dotted keys (the keys of a sweep's ``[vary]``) and numpy arrays for ``.npy`` maps."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Tuple, Union

import numpy as np

from . import _native
from ._errors import input_error

if TYPE_CHECKING:
    from .results import Run

PathLike = Union[str, "os.PathLike[str]"]


class Scenario:
    """A parsed and checked scenario, as ``oxyfield run`` reads it.

    Make one with :meth:`default`, :meth:`from_file` or :meth:`from_toml`; each takes
    ``overrides``: a mapping of dotted scenario keys to values, the same keys as a
    sweep file's ``[vary]``, e.g. ``{"oxygen.max_consumption_mmhg_per_s": 20}``.
    Wherever the scenario takes an ``.npy`` map (``vessels.npy.sv``,
    ``vessels.npy.pb``, ``vessels.mask.file``, ``tissue.viable_fraction_npy``, a
    fixed region's ``mask_npy``), a numpy array of shape (nz, ny, nx) may be given
    instead of a path; it is saved as float32 next to the scenario for as long as the
    scenario lives. A scenario is immutable: :meth:`with_overrides` returns a new one.
    """

    def __init__(self, native: _native.Scenario, _maps: Tuple[Any, ...] = ()) -> None:
        self._native = native
        # Temporary folders holding the arrays given as maps: kept alive with the scenario.
        self._maps = _maps

    @classmethod
    def default(cls, overrides: Optional[Mapping[str, Any]] = None) -> "Scenario":
        """The embedded default scenario (what ``oxyfield run`` runs without a file)."""
        return cls(_native.Scenario.default()).with_overrides(overrides or {})

    @classmethod
    def from_file(
        cls, path: PathLike, overrides: Optional[Mapping[str, Any]] = None
    ) -> "Scenario":
        """Reads and checks a scenario TOML file; relative paths in it resolve against
        its folder."""
        return cls(_native.Scenario.from_file(os.fspath(path))).with_overrides(overrides or {})

    @classmethod
    def from_toml(
        cls,
        text: str,
        overrides: Optional[Mapping[str, Any]] = None,
        *,
        name: str = "scenario",
        base_dir: PathLike = ".",
    ) -> "Scenario":
        """Parses and checks scenario TOML text. ``name`` is used when the text has no
        ``name``; relative paths resolve against ``base_dir``."""
        native = _native.Scenario.from_toml(
            text, f"scenario text ({name})", name, os.fspath(base_dir)
        )
        return cls(native).with_overrides(overrides or {})

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Scenario":
        """A new scenario with each value set at its dotted key, checked again.

        Values may be numbers, strings, booleans, lists, dicts, numpy scalars and numpy
        arrays (for ``.npy`` maps). Errors are :class:`oxyfield.OxyfieldError` naming
        the scenario and the key.
        """
        if not overrides:
            return self
        maps: Optional[tempfile.TemporaryDirectory] = None

        def encode(value: Any, key: str) -> Any:
            nonlocal maps
            if isinstance(value, np.ndarray) and value.ndim == 3:
                if maps is None:
                    maps = tempfile.TemporaryDirectory(prefix="oxyfield-maps-")
                path = Path(maps.name) / f"{key}.npy"
                np.save(path, np.ascontiguousarray(value, dtype="<f4"))
                return str(path)
            if isinstance(value, np.ndarray):
                raise input_error(
                    self.origin,
                    f"override \"{key}\": a numpy array of shape {value.shape}; a map "
                    "has 3 dimensions (nz, ny, nx); for a list of numbers use .tolist()",
                )
            if isinstance(value, np.generic):
                return value.item()
            if isinstance(value, os.PathLike):
                return os.fspath(value)
            if isinstance(value, Mapping):
                return {str(k): encode(v, f"{key}.{k}") for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [encode(v, f"{key}.{i}") for i, v in enumerate(value)]
            return value

        encoded = {str(k): encode(v, str(k)) for k, v in overrides.items()}
        native = self._native.with_overrides(json.dumps(encoded, allow_nan=False))
        return Scenario(native, self._maps + ((maps,) if maps is not None else ()))

    @property
    def name(self) -> str:
        """The scenario's name (its output folder is named after it)."""
        return self._native.name

    @property
    def origin(self) -> str:
        """Where the scenario came from, as errors name it."""
        return self._native.origin

    @property
    def toml(self) -> str:
        """The scenario's TOML text, overrides included."""
        return self._native.toml

    @property
    def shape_zyx(self) -> Tuple[int, int, int]:
        """The grid shape (nz, ny, nx), the shape of every field."""
        return self._native.shape_zyx

    @property
    def spacing_um(self) -> float:
        """The voxel edge (µm)."""
        return self._native.spacing_um

    @property
    def has_protocol(self) -> bool:
        """True when the scenario names a therapy protocol."""
        return self._native.has_protocol

    def run(
        self,
        out: Optional[PathLike] = None,
        *,
        backend: str = "auto",
        adapter: Optional[str] = None,
        protocol: Optional[PathLike] = None,
        until: Optional[str] = None,
    ) -> "Run":
        """Runs the scenario, as ``oxyfield run`` does, and returns its results.

        Solves to steady state, or runs the protocol (the file ``protocol``, else the
        scenario's own); ``until`` ("36h", "2w") stops a protocol early. ``backend`` is
        "auto" (a hardware GPU when there is one, else the CPU), "gpu" or "cpu";
        ``adapter`` picks a GPU by part of its name. The outputs go to ``out`` (an
        earlier run's outputs there are replaced), else to a temporary folder removed
        when the returned :class:`Run` is garbage collected.

        The GIL is released while solving. Ctrl-C (or ``KeyboardInterrupt`` from the
        notebook's stop button) stops the run at its next check, cleanly, and raises
        ``KeyboardInterrupt``.
        """
        from .results import Run

        keep = None
        if out is None:
            keep = tempfile.TemporaryDirectory(prefix=f"oxyfield-{self.name}-")
            out = keep.name
        try:
            _native.run(
                self._native,
                os.fspath(out),
                backend,
                adapter,
                None if protocol is None else os.fspath(protocol),
                until,
            )
        except _native.OxyfieldError as e:
            raise self._name_array(e) from None
        return Run(out, _keep=(keep, self))

    def _name_array(self, e: _native.OxyfieldError) -> _native.OxyfieldError:
        """``e``, naming the override key of an array (saved to a temporary file) at
        fault instead of that file."""
        file = getattr(e, "file", None) or ""
        for maps in self._maps:
            if file.startswith(maps.name + os.sep):
                key = Path(file).name[: -len(".npy")]
                e.file = f"the numpy array given for \"{key}\""
                e.args = (f"{e.file}: {e.message}",)
        return e

    def __repr__(self) -> str:
        z, y, x = self.shape_zyx
        return f"Scenario({self.name!r}, grid {z}×{y}×{x} at {self.spacing_um:g} µm, from {self.origin})"
