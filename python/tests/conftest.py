"""Shared fixtures: the oxyfield command-line binary (to compare with), small scenarios."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import List

import pytest

REPO = Path(__file__).resolve().parents[2]

# Small and quick, but with vessels, hypoxia and ROS: 12 × 24 × 24 voxels.
SMALL = {"grid.shape_zyx": [12, 24, 24]}

# A 6-hour protocol: a 2 Gy fraction at 1 h, hourly steps, a snapshot at 3 h.
PROTOCOL = """schema_version = 1
name = "short"
duration = "6h"
time_step = "1h"
snapshots = ["3h", "end"]
[[radiotherapy]]
dose_gy = 2.0
at = ["1h"]
"""


def _binary() -> Path:
    """The CLI: $OXYFIELD_BIN (.ci/run sets it), else the release build of cargo."""
    env = os.environ.get("OXYFIELD_BIN")
    candidates = [Path(env)] if env else []
    target = os.environ.get("CARGO_TARGET_DIR")
    if target:
        candidates.append(Path(target) / "release" / "oxyfield")
    candidates.append(REPO / "target" / "release" / "oxyfield")
    for c in candidates:
        if c.is_file():
            return c.resolve()
    raise RuntimeError(
        "no oxyfield binary: build it (cargo build --release) or set OXYFIELD_BIN; tried "
        + ", ".join(map(str, candidates))
    )


class Cli:
    """Runs the oxyfield binary."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        p = subprocess.run(
            [str(self.path), "-q", *args], capture_output=True, text=True, timeout=300
        )
        if check and p.returncode != 0:
            raise AssertionError(f"oxyfield {' '.join(args)} failed:\n{p.stderr}")
        return p

    def error_line(self, *args: str) -> List[str]:
        """The `error: ...` text of a failing command, without the prefix."""
        p = self.run(*args, check=False)
        assert p.returncode != 0, p.stdout
        lines = [l for l in p.stderr.splitlines() if not l.startswith("[")]
        first = next(i for i, l in enumerate(lines) if l.startswith("error: "))
        lines = lines[first:]
        lines[0] = lines[0][len("error: ") :]
        return lines


@pytest.fixture(scope="session")
def cli() -> Cli:
    return Cli(_binary())


@pytest.fixture
def protocol_file(tmp_path: Path) -> Path:
    p = tmp_path / "short.toml"
    p.write_text(PROTOCOL)
    return p
