"""Hypoxic fraction against vessel density: a small sweep of the default scenario.

Run it as a script or paste it into a notebook, cell by cell::

    python python/examples/hypoxia_sweep.py [--out DIR] [--backend cpu|gpu|auto]

It takes the embedded default scenario on a smaller grid (so that it runs in seconds
on a laptop's CPU), varies ``vessels.synthetic.density_mm_per_mm3`` (the same dotted
key a sweep file's ``[vary]`` would use), prints a table of the hypoxic fraction
(pO2 < 2.5 mmHg and < 10 mmHg, over tissue) and saves a plot to
``DIR/hypoxia_vs_density.png`` with matplotlib, or says that matplotlib is missing and
prints the table only. The pO2 slice of the densest run is also saved, drawn by
oxyfield's own renderer (``DIR/o2_densest.png``); in Jupyter, ``run.figure("o2")``
shows it inline.

Looking at a field in 3-D with napari (``pip install napari``; not needed here)::

    import napari
    run = oxyfield.Scenario.default().run(backend="cpu")
    o2 = run.field("o2")                      # float32, z y x, like o2.npy
    viewer = napari.Viewer()
    viewer.add_image(o2.data, name="pO2 (mmHg)", scale=[o2.spacing_um] * 3,
                     colormap="viridis", contrast_limits=(0, 100))
    viewer.add_image(run["vessels_sv"], name="vessels", scale=[o2.spacing_um] * 3,
                     colormap="gray", blending="additive")
    napari.run()

napari takes the arrays in the same z, y, x order as the files, and ``scale`` puts
the axes in µm. A run folder written by ``oxyfield run --out DIR`` opens the same way
with ``oxyfield.load_run(DIR)``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import oxyfield

# Vessel length per tissue volume (mm/mm³); tumours have 100–400.
DENSITIES = [60.0, 100.0, 150.0, 250.0]
# A 0.4 × 0.4 × 0.2 mm block at 10 µm: a few seconds per run on two CPU cores.
SMALL_GRID = {"grid.shape_zyx": [20, 40, 40]}


def sweep(backend: str, out: Path):
    """Runs each density and returns rows of (density, hypoxic <2.5, hypoxic <10,
    median pO2), and the densest run."""
    base = oxyfield.Scenario.default(SMALL_GRID)
    rows, run = [], None
    for density in DENSITIES:
        sc = base.with_overrides({"vessels.synthetic.density_mm_per_mm3": density})
        run = sc.run(out / f"density_{density:g}", backend=backend)
        o2 = run.summary["o2"]
        hf = o2["hypoxic_fraction"]
        rows.append((density, hf["lt_2.5"], hf["lt_10"], o2["median_mmhg"]))
        # The same number from the arrays: pO2 below 2.5 mmHg over tissue voxels.
        tissue = run["tissue"] > 0
        assert abs(np.mean(run["o2"][tissue] < 2.5) - hf["lt_2.5"]) < 1e-9
    return rows, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("hypoxia_sweep_out"))
    parser.add_argument("--backend", default="cpu", choices=["cpu", "gpu", "auto"])
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    rows, densest = sweep(args.backend, args.out)
    print(f"{'density (mm/mm³)':>17}  {'hypoxic <2.5':>12}  {'hypoxic <10':>11}  {'median pO2':>10}")
    for density, lt25, lt10, median in rows:
        print(f"{density:17.0f}  {100 * lt25:11.1f}%  {100 * lt10:10.1f}%  {median:7.1f} mmHg")

    densest.figure("o2", title="pO2, densest network").save(args.out / "o2_densest.png")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install matplotlib): no plot, the table above only")
        return
    d = [r[0] for r in rows]
    fig, ax = plt.subplots(figsize=(4, 3), dpi=150)
    ax.plot(d, [100 * r[1] for r in rows], "o-", label="pO2 < 2.5 mmHg")
    ax.plot(d, [100 * r[2] for r in rows], "s--", label="pO2 < 10 mmHg")
    ax.set_xlabel("vessel density (mm/mm³)")
    ax.set_ylabel("hypoxic fraction of tissue (%)")
    ax.legend()
    fig.tight_layout()
    path = args.out / "hypoxia_vs_density.png"
    fig.savefig(path)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
