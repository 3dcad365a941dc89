"""Type stubs of oxyfield._native, the Rust half of the package (PyO3)."""

from typing import Any, Dict, Optional, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

class OxyfieldError(ValueError):
    """An oxyfield error, with the command line's message."""

    kind: str
    file: Optional[str]
    message: str
    exit_code: int

class Scenario:
    @staticmethod
    def from_file(path: str) -> "Scenario": ...
    @staticmethod
    def from_toml(text: str, origin: str, name: str, base_dir: str) -> "Scenario": ...
    @staticmethod
    def default() -> "Scenario": ...
    def with_overrides(self, overrides_json: str) -> "Scenario": ...
    @property
    def name(self) -> str: ...
    @property
    def origin(self) -> str: ...
    @property
    def toml(self) -> str: ...
    @property
    def shape_zyx(self) -> Tuple[int, int, int]: ...
    @property
    def spacing_um(self) -> float: ...
    @property
    def has_protocol(self) -> bool: ...
    def resolve(self, path: str) -> str: ...

def default_scenario_toml() -> str: ...
def run(
    scenario: Scenario,
    out_dir: str,
    backend: str = "auto",
    adapter: Optional[str] = None,
    protocol: Optional[str] = None,
    until: Optional[str] = None,
) -> bool: ...
def load_field(path: str) -> Tuple[npt.NDArray[np.float32], float, str, str]: ...
def read_network(path: str) -> Dict[str, npt.NDArray[Any]]: ...
def render_png(
    data: npt.NDArray[np.float32],
    spacing_um: float,
    name: str,
    units: str,
    plane: str = "xy",
    at: str = "centre",
    projection: Optional[str] = None,
    colormap: str = "viridis",
    limits: Optional[Tuple[float, float]] = None,
    dpi: int = 150,
    width_in: float = 3.0,
    title: Optional[str] = None,
    vessels_sv: Optional[npt.NDArray[np.float32]] = None,
) -> bytes: ...
