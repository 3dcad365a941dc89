"""Run and batch folders written by the command line, read into the same objects."""

from __future__ import annotations

import json

import numpy as np
import pytest

import oxyfield
from conftest import SMALL


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory, cli):
    d = tmp_path_factory.mktemp("cli")
    (d / "small.toml").write_text(oxyfield.Scenario.default(SMALL).toml)
    cli.run("run", str(d / "small.toml"), "--backend", "cpu", "--out", str(d / "out"))
    return d / "out"


def test_a_cli_run_folder_loads_into_arrays_and_dicts(cli_run):
    run = oxyfield.load_run(cli_run)
    assert run.fields == ["gsh", "o2", "ros", "tissue", "vessels_pb", "vessels_sv"]
    assert "o2" in run and "viable" not in run
    for name in run.fields:
        expected = np.load(cli_run / f"{name}.npy")
        assert run[name].tobytes() == expected.tobytes()
        assert run[name].dtype == np.float32 and run[name].shape == (12, 24, 24)
    o2 = run.field("o2")
    assert (o2.units, o2.spacing_um) == ("mmHg", 10.0)
    assert o2.description == "tissue pO2 at steady state"
    tissue = run["tissue"] > 0
    assert float(np.mean(o2.data[tissue], dtype=np.float64)) == pytest.approx(
        run.summary["o2"]["mean_mmhg"], rel=1e-6
    )
    assert run.summary == json.loads((cli_run / "summary.json").read_text())
    assert run.timeline is None
    assert run.network is not None


def test_an_unknown_field_names_the_known_ones(cli_run):
    with pytest.raises(oxyfield.OxyfieldError) as e:
        oxyfield.load_run(cli_run).field("viable")
    assert e.value.file == "field"
    assert "o2, ros" in e.value.message


def test_a_folder_that_is_not_a_run_is_an_error_naming_it(tmp_path):
    with pytest.raises(oxyfield.OxyfieldError) as e:
        oxyfield.load_run(tmp_path / "nowhere")
    assert e.value.file == str(tmp_path / "nowhere")
    with pytest.raises(oxyfield.OxyfieldError, match="summary.json"):
        oxyfield.load_run(tmp_path)


def test_a_broken_field_file_is_an_error_naming_it(tmp_path, cli_run):
    import shutil

    d = tmp_path / "run"
    shutil.copytree(cli_run, d)
    (d / "o2.npy").write_bytes(b"\x93NUMPY nonsense")
    with pytest.raises(oxyfield.OxyfieldError) as e:
        oxyfield.load_run(d).field("o2")
    assert str(d / "o2.npy") in str(e.value)


def test_a_cli_batch_folder_loads_with_its_parameters(tmp_path, cli):
    (tmp_path / "small.toml").write_text(oxyfield.Scenario.default(SMALL).toml)
    (tmp_path / "sweep.toml").write_text(
        'schema_version = 1\nname = "dens"\nbase = "small.toml"\n[vary]\n'
        '"vessels.synthetic.density_mm_per_mm3" = [80.0, 160.0]\n'
    )
    cli.run("batch", str(tmp_path / "sweep.toml"), "--backend", "cpu", "--out",
            str(tmp_path / "b"), "--collect")
    batch = oxyfield.load_batch(tmp_path / "b")
    assert len(batch) == 2
    densities = [p["vessels.synthetic.density_mm_per_mm3"] for p in batch.parameters.values()]
    assert densities == [80.0, 160.0]
    runs = list(batch)
    assert runs[0]["o2"].mean() < runs[1]["o2"].mean()
    table = batch.table
    assert list(table["id"]) == list(batch.runs)
    np.testing.assert_allclose(
        table["median_po2_mmhg"], [r.summary["o2"]["median_mmhg"] for r in runs]
    )
    with pytest.raises(oxyfield.OxyfieldError, match="no finished scenarios"):
        oxyfield.load_batch(tmp_path)
