"""Scenarios: the default, files, text, overrides by dotted keys, errors."""

from __future__ import annotations

import numpy as np
import pytest

import oxyfield
from conftest import SMALL


def test_the_default_scenario_is_the_embedded_one():
    sc = oxyfield.Scenario.default()
    assert sc.name == "default"
    assert sc.shape_zyx == (64, 128, 128)
    assert sc.spacing_um == 10.0
    assert "embedded default" in sc.origin
    assert not sc.has_protocol


def test_overrides_set_values_at_dotted_keys_as_a_sweep_does():
    sc = oxyfield.Scenario.default(
        {"oxygen.max_consumption_mmhg_per_s": 20, "grid.shape_zyx": [8, 16, 24]}
    )
    assert sc.shape_zyx == (8, 16, 24)
    assert "max_consumption_mmhg_per_s = 20" in sc.toml
    # Overrides stack, and numpy scalars and tuples are values too.
    sc2 = sc.with_overrides({"oxygen.km_mmhg": np.float64(2.5), "grid.shape_zyx": (4, 8, 8)})
    assert sc2.shape_zyx == (4, 8, 8)
    assert "km_mmhg = 2.5" in sc2.toml
    assert "max_consumption_mmhg_per_s = 20" in sc2.toml
    assert sc.shape_zyx == (8, 16, 24), "a scenario is immutable"


def test_an_override_changes_the_result():
    base = oxyfield.Scenario.default(SMALL)
    lo = base.run(backend="cpu")
    hi = base.with_overrides({"oxygen.max_consumption_mmhg_per_s": 30}).run(backend="cpu")
    assert hi["o2"].mean() < lo["o2"].mean() - 1.0


def test_a_wrong_key_is_an_oxyfield_error_naming_the_scenario_and_the_key():
    with pytest.raises(oxyfield.OxyfieldError) as e:
        oxyfield.Scenario.default({"oxygen.km": 2.0})
    err = e.value
    assert isinstance(err, ValueError)
    assert err.kind == "input" and err.exit_code == 2
    assert "embedded default scenario" in err.file
    assert '"oxygen.km"' in err.message and "km_mmhg" in err.message
    assert str(err) == f"{err.file}: {err.message}"


def test_an_out_of_range_override_names_the_key():
    with pytest.raises(oxyfield.OxyfieldError, match="diffusivity_um2_per_s"):
        oxyfield.Scenario.default({"oxygen.diffusivity_um2_per_s": -1.0})


def test_a_scenario_file_error_is_the_clis_with_the_file_named(tmp_path, cli):
    bad = tmp_path / "bad.toml"
    bad.write_text('[grid]\nshape_zyx = [8, 8, 8]\nspacing_um = 10.0\n[oxygen]\nkm_mmhg = "one"\n')
    with pytest.raises(oxyfield.OxyfieldError) as e:
        oxyfield.Scenario.from_file(bad)
    assert e.value.file == str(bad)
    assert "km_mmhg" in e.value.message and "line 5" in e.value.message
    assert str(e.value).splitlines() == cli.error_line("run", str(bad), "--out", str(tmp_path / "o"))


def test_a_missing_file_is_an_error_naming_it(tmp_path, cli):
    missing = tmp_path / "none.toml"
    with pytest.raises(oxyfield.OxyfieldError) as e:
        oxyfield.Scenario.from_file(missing)
    assert str(missing) in str(e.value)
    assert str(e.value).splitlines() == cli.error_line("run", str(missing), "--out", str(tmp_path / "o"))


def test_scenario_text_and_relative_paths(tmp_path):
    text = oxyfield.Scenario.default(SMALL).toml
    sc = oxyfield.Scenario.from_toml(text, name="mine", base_dir=tmp_path)
    assert sc.shape_zyx == (12, 24, 24)
    assert sc.name == "default"  # the text names itself
    sc = oxyfield.Scenario.from_toml("[grid]\nshape_zyx = [4, 4, 4]\nspacing_um = 10.0\n", name="mine")
    assert sc.name == "mine"


def test_numpy_maps_are_accepted_where_the_scenario_takes_npy_files(tmp_path, cli):
    shape = (8, 16, 16)
    sv = np.zeros(shape, np.float32)
    sv[:, 8, 8] = 0.2  # one straight vessel along z
    pb = np.where(sv > 0, 40.0, 0.0)  # float64: converted to float32
    viable = np.full(shape, 0.9, np.float32)
    over = {
        "grid.shape_zyx": list(shape),
        "vessels": {"npy": {"sv": sv, "pb": pb}},
        "tissue.viable_fraction_npy": viable,
    }
    sc = oxyfield.Scenario.from_toml(
        "[grid]\nshape_zyx = [8, 16, 16]\nspacing_um = 10.0\n", over, name="maps"
    )
    run = sc.run(backend="cpu")
    np.testing.assert_array_equal(run["vessels_sv"], sv)
    # The same scenario with the maps as files, through the command line: the same bits.
    np.save(tmp_path / "sv.npy", sv)
    np.save(tmp_path / "pb.npy", pb.astype(np.float32))
    np.save(tmp_path / "viable.npy", viable)
    (tmp_path / "maps.toml").write_text(
        "name = \"maps\"\n[grid]\nshape_zyx = [8, 16, 16]\nspacing_um = 10.0\n"
        "[tissue]\nviable_fraction_npy = \"viable.npy\"\n"
        "[vessels.npy]\nsv = \"sv.npy\"\npb = \"pb.npy\"\n"
    )
    cli.run("run", str(tmp_path / "maps.toml"), "--backend", "cpu", "--out", str(tmp_path / "out"))
    cli_o2 = np.load(tmp_path / "out" / "o2.npy")
    assert run["o2"].tobytes() == cli_o2.tobytes()


def test_a_map_of_the_wrong_shape_is_an_error_naming_its_key():
    with pytest.raises(oxyfield.OxyfieldError, match="shape") as e:
        oxyfield.Scenario.from_toml(
            "[grid]\nshape_zyx = [8, 16, 16]\nspacing_um = 10.0\n",
            {"vessels.npy": {"sv": np.zeros((4, 4, 4)), "pb": np.zeros((4, 4, 4))}},
        ).run(backend="cpu")
    assert e.value.file == 'the numpy array given for "vessels.npy.sv"'
    assert str(e.value).startswith(e.value.file + ": shape [4, 4, 4] does not match")


def test_an_array_that_is_no_map_is_an_error_naming_the_key():
    with pytest.raises(oxyfield.OxyfieldError) as e:
        oxyfield.Scenario.default({"grid.shape_zyx": np.array([8, 8, 8])})
    assert '"grid.shape_zyx"' in e.value.message and ".tolist()" in e.value.message
    assert e.value.file == oxyfield.Scenario.default().origin
