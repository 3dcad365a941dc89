"""The notebook-style example runs, with matplotlib and without it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "hypoxia_sweep.py"


def run_example(out: Path, *prefix: str) -> str:
    code = (
        "import runpy, sys; "
        + "".join(prefix)
        + f"sys.argv = ['hypoxia_sweep.py', '--out', {str(out)!r}]; "
        + f"runpy.run_path({str(EXAMPLE)!r}, run_name='__main__')"
    )
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert p.returncode == 0, p.stderr
    return p.stdout


def table(stdout: str):
    rows = [l.split() for l in stdout.splitlines() if l.strip()[:1].isdigit()]
    return [(float(r[0]), float(r[1].rstrip("%"))) for r in rows]


def test_the_example_prints_hypoxia_falling_with_density_and_plots(tmp_path):
    out = run_example(tmp_path)
    rows = table(out)
    assert [r[0] for r in rows] == [60.0, 100.0, 150.0, 250.0]
    hypoxic = [r[1] for r in rows]
    assert hypoxic[0] > hypoxic[-1]
    assert (tmp_path / "o2_densest.png").read_bytes().startswith(b"\x89PNG")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in out
    else:
        assert (tmp_path / "hypoxia_vs_density.png").read_bytes().startswith(b"\x89PNG")


def test_without_matplotlib_the_example_says_so_and_prints_the_table(tmp_path):
    out = run_example(tmp_path, "sys.modules['matplotlib'] = None; ")
    assert "matplotlib is not installed" in out
    assert len(table(out)) == 4
    assert not (tmp_path / "hypoxia_vs_density.png").exists()
