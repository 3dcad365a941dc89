//! Progress of `oxyfield run` (a protocol) and `oxyfield batch` when stderr is not a
//! terminal (here a pipe): no bar, not a byte of one (no carriage returns or escape
//! codes), and the plain `info` lines that logs of such runs rely on.

use crate::common::{oxyfield, stderr};

const SMALL: &str = "name = \"small\"\nseed = 5\n[grid]\nshape_zyx = [12, 16, 16]\n\
                     spacing_um = 10.0\n[vessels.synthetic]\ndensity_mm_per_mm3 = 150.0\n\
                     [figures]\nplots = false\nmontage = false\n[output]\npng = false\n";

/// Neither a carriage return nor an escape sequence in `err`.
fn no_bar(err: &str) {
    assert!(
        !err.contains('\r') && !err.contains('\x1b'),
        "bar output on a non-terminal stderr: {err:?}"
    );
}

#[test]
fn a_protocol_run_without_a_terminal_logs_lines_and_draws_no_bar() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, format!("protocol = \"rt.toml\"\n{SMALL}")).unwrap();
    std::fs::write(
        dir.path().join("rt.toml"),
        "schema_version = 1\nduration = \"12h\"\ntime_step = \"6h\"\nsettle = false\n\
         [[radiotherapy]]\ndose_gy = 2.0\nat = [\"0h\"]\n",
    )
    .unwrap();
    let o = oxyfield()
        .env("RUST_LOG", "info")
        .arg("run")
        .arg(&scenario)
        .args(["--backend", "cpu", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    no_bar(&err);
    for line in [
        "t = 6.0 h (50 %): median pO2",
        "t = 12.0 h (100 %): median pO2",
    ] {
        assert!(err.contains(line), "no \"{line}\" in {err}");
    }
}

#[test]
fn a_batch_without_a_terminal_logs_lines_and_draws_no_bar() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("sweep.toml");
    std::fs::write(
        &sweep,
        "schema_version = 1\nname = \"t\"\nbase = \"default\"\n[vary]\n\
         \"grid.shape_zyx\" = [[12, 16, 16]]\nseed = [1, 2]\n\
         \"figures.plots\" = [false]\n\"figures.montage\" = [false]\n\"output.png\" = [false]\n",
    )
    .unwrap();
    let o = oxyfield()
        .env("RUST_LOG", "info")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .arg("batch")
        .arg(&sweep)
        .args(["--backend", "cpu", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    no_bar(&err);
    for line in ["[1/2] ", "[2/2] "] {
        assert!(err.contains(line), "no \"{line}\" in {err}");
    }
}
