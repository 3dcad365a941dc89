"""Runs: the CLI's bits on the CPU, protocols and their timelines, the GPU backend,
Ctrl-C."""

from __future__ import annotations

import _thread
import json
import os
import threading
import time

import numpy as np
import pytest

import oxyfield
from conftest import SMALL


def test_the_default_run_equals_the_clis_o2_bit_for_bit(tmp_path, cli):
    cli.run("run", "--backend", "cpu", "--out", str(tmp_path / "cli"))
    run = oxyfield.Scenario.default().run(tmp_path / "py", backend="cpu")
    for name in ["o2", "vessels_sv", "vessels_pb", "ros", "gsh", "tissue"]:
        expected = np.load(tmp_path / "cli" / f"{name}.npy")
        got = run[name]
        assert got.dtype == np.float32 and got.shape == (64, 128, 128)
        assert got.tobytes() == expected.tobytes(), name
    field = run.field("o2")
    assert field.spacing_um == 10.0 and field.units == "mmHg"
    assert field.origin_um == (0.0, 0.0, 0.0)
    cli_summary = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert run.summary["o2"] == cli_summary["o2"]
    assert run.name == "default"
    # The statistics agree with the array.
    tissue = run["tissue"] > 0
    frac = float(np.mean(run["o2"][tissue] < 2.5))
    assert frac == pytest.approx(run.summary["o2"]["hypoxic_fraction"]["lt_2.5"], abs=1e-9)


def test_a_run_without_out_keeps_its_temporary_folder_while_the_result_lives():
    run = oxyfield.Scenario.default(SMALL).run(backend="cpu")
    assert run.path.is_dir()
    path = run.path
    assert np.isfinite(run["o2"]).all()
    del run
    import gc

    gc.collect()
    assert not path.exists()


def test_the_network_comes_as_arrays():
    run = oxyfield.Scenario.default(SMALL).run(backend="cpu")
    net = run.network
    assert net is not None
    n, m = net["nodes_um"].shape[0], net["segments"].shape[0]
    assert net["nodes_um"].shape == (n, 3) and net["segments"].shape == (m, 2)
    assert m == run.summary["vessels"]["network"]["segments"]
    length_mm = np.linalg.norm(
        net["nodes_um"][net["segments"][:, 0]] - net["nodes_um"][net["segments"][:, 1]], axis=1
    ).sum() / 1000.0
    assert length_mm == pytest.approx(run.summary["vessels"]["network"]["total_length_mm"], rel=1e-3)
    assert net["segments"].min() >= 0 and net["segments"].max() < n
    assert ((net["radius_um"] >= 3.0) & (net["radius_um"] <= 8.0)).all()
    assert ((net["blood_po2_mmhg"] >= 30.0) & (net["blood_po2_mmhg"] <= 50.0)).all()


def test_a_protocol_run_has_the_clis_timeline_columns(tmp_path, cli, protocol_file):
    sc = oxyfield.Scenario.default(SMALL)
    (tmp_path / "small.toml").write_text(sc.toml)
    cli.run(
        "run", str(tmp_path / "small.toml"), "--backend", "cpu",
        "--protocol", str(protocol_file), "--out", str(tmp_path / "cli"),
    )
    run = sc.run(tmp_path / "py", backend="cpu", protocol=protocol_file)
    assert run.finished
    t = run.timeline
    assert t is not None
    header = (tmp_path / "cli" / "timeline.csv").read_text().splitlines()[0].split(",")
    assert list(t) == header
    np.testing.assert_array_equal(t["time_h"], np.arange(7.0))
    assert t["events"].dtype.kind == "U"
    assert "2 Gy" in t["events"][1]
    cli_t = oxyfield.load_run(tmp_path / "cli").timeline
    for name in header:
        if name != "solve_seconds":
            np.testing.assert_array_equal(t[name], cli_t[name], err_msg=name)
    assert t["log10_cell_kill"][-1] > 0
    # Snapshots, as the protocol asks: at 3 h and at the end.
    snaps = run.snapshots("o2")
    assert [s[0] for s in snaps] == [3.0, 6.0]
    assert snaps[0][1].shape == (12, 24, 24)


def test_timeline_as_a_dataframe(protocol_file):
    pd = pytest.importorskip("pandas")
    run = oxyfield.Scenario.default(SMALL).run(backend="cpu", protocol=protocol_file)
    df = run.timeline_df()
    assert isinstance(df, pd.DataFrame) and len(df) == 7
    assert df["time_h"].iloc[-1] == 6.0


def test_until_stops_a_protocol_early(protocol_file):
    run = oxyfield.Scenario.default(SMALL).run(
        backend="cpu", protocol=protocol_file, until="2h"
    )
    assert not run.finished
    assert run.timeline["time_h"][-1] == 2.0


def test_until_without_a_protocol_is_an_error():
    with pytest.raises(oxyfield.OxyfieldError) as e:
        oxyfield.Scenario.default(SMALL).run(backend="cpu", until="2h")
    assert e.value.file == "until"


def test_an_unknown_backend_is_an_error():
    with pytest.raises(oxyfield.OxyfieldError) as e:
        oxyfield.Scenario.default(SMALL).run(backend="tpu")
    assert e.value.file == "backend" and "cpu" in e.value.message


def test_the_gpu_backend_agrees_with_the_cpu():
    sc = oxyfield.Scenario.default(SMALL)
    cpu = sc.run(backend="cpu")
    try:
        gpu = sc.run(backend="gpu")
    except oxyfield.OxyfieldError as e:
        if e.kind == "gpu" and os.environ.get("OXYFIELD_REQUIRE_GPU") != "1":
            pytest.skip(f"no GPU adapter: {e}")
        raise
    assert gpu.summary["backend"] == "gpu" and cpu.summary["backend"] == "cpu"
    diff = np.abs(gpu["o2"] - cpu["o2"])
    assert diff.max() < 0.05, diff.max()


def test_ctrl_c_stops_a_run_cleanly_and_the_next_run_runs(tmp_path):
    long = tmp_path / "long.toml"
    long.write_text('schema_version = 1\nduration = "4w"\ntime_step = "1h"\n')
    sc = oxyfield.Scenario.default({"grid.shape_zyx": [16, 32, 32]})
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt, match="stopped at t ="):
        sc.run(tmp_path / "out", backend="cpu", protocol=long)
    timer.cancel()
    assert time.monotonic() - start < 30
    # It kept its checkpoint and wrote no summary: not a finished run.
    assert (tmp_path / "out" / "checkpoint.bin").is_file()
    with pytest.raises(oxyfield.OxyfieldError, match="summary.json"):
        oxyfield.load_run(tmp_path / "out")
    # The stop request is forgotten: the next run goes to its end.
    run = oxyfield.Scenario.default(SMALL).run(backend="cpu")
    assert np.isfinite(run["o2"]).all()


def test_ctrl_c_stops_a_steady_solve_and_nothing_is_written(tmp_path):
    # Red–black SOR on the default grid: many sweeps, so the stop comes mid-solve.
    sc = oxyfield.Scenario.default({"solver.method": "rbsor"})
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    # The O2 solve, or the ROS solve after it: either stops at its next check.
    with pytest.raises(KeyboardInterrupt, match="solve stopped after"):
        sc.run(tmp_path / "out", backend="cpu")
    timer.cancel()
    assert not (tmp_path / "out" / "summary.json").exists()


def test_the_librarys_log_goes_to_python_logging(caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="oxyfield"):
        oxyfield.Scenario.default(SMALL).run(backend="cpu")
    lines = [r.getMessage() for r in caplog.records if r.name == "oxyfield.run"]
    assert any(l.startswith("O2 steady state (multigrid)") for l in lines), lines
