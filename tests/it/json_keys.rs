//! The other JSON files' keys are a contract with users' scripts too: they are only
//! ever added. `tests/golden/json_keys.txt` lists every key path (see
//! `summary_keys.rs`, whose helpers and scenarios this uses) of an `.npy` sidecar,
//! a protocol's `timeline.json`, a batch run's `manifest.json` (in a Slurm job),
//! `bench --json` (a solve and a protocol benchmark), `validate --json` and
//! `network info --json`; each must still be there. `OXYFIELD_BLESS=1` adds new ones.
//! `tests/golden/csv_columns.txt` holds the CSV headers of `timeline.csv`,
//! `hypoxic_volume_histogram.csv` and `batch.csv` to the same rule.

use crate::common;
use crate::summary_keys::{check_golden, file_keys, PROTOCOL, SCENARIO};
use std::collections::BTreeSet;
use std::path::Path;

/// Runs `oxyfield` with `args` and asserts that it succeeded.
fn ok(args: &[&str], dir: &Path) {
    let r = common::oxyfield()
        .args(args)
        .current_dir(dir)
        .env("VK_DRIVER_FILES", "/nonexistent.json") // validate: the GPU case skips
        .env("SLURM_JOB_ID", "7") // the manifest's `slurm` block
        .env("SLURMD_NODENAME", "node1")
        .output()
        .unwrap();
    assert!(r.status.success(), "{args:?}: {}", common::stderr(&r));
}

#[test]
fn json_file_keys_are_only_ever_added() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("keys.toml"), SCENARIO).unwrap();
    std::fs::write(dir.join("protocol.toml"), PROTOCOL).unwrap();
    std::fs::write(
        dir.join("sweep.toml"),
        "schema_version = 1\nname = \"keys\"\nbase = \"keys.toml\"\n\
         [vary]\n\"oxygen.km_mmhg\" = [1.0]\n",
    )
    .unwrap();
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/networks/example_tree.dat");
    let cpu = ["--backend", "cpu"];
    ok(
        &[&["run", "keys.toml", "--out", "steady"][..], &cpu].concat(),
        dir,
    );
    ok(
        &[
            &[
                "run",
                "keys.toml",
                "--protocol",
                "protocol.toml",
                "--out",
                "protocol",
            ][..],
            &cpu,
        ]
        .concat(),
        dir,
    );
    ok(
        &[&["batch", "sweep.toml", "--out", "batch"][..], &cpu].concat(),
        dir,
    );
    ok(
        &[&["bench", "--sizes", "8", "--json", "bench.json"][..], &cpu].concat(),
        dir,
    );
    ok(
        &[
            &["bench", "--problem", "protocol", "--sizes", "8"][..],
            &["--json", "bench_protocol.json"],
            &cpu,
        ]
        .concat(),
        dir,
    );
    ok(
        &[
            &["validate", "--quick", "--json", "validate.json"][..],
            &cpu,
        ]
        .concat(),
        dir,
    );
    let info = common::oxyfield()
        .args(["network", "info", "--json"])
        .arg(&tree)
        .output()
        .unwrap();
    assert!(info.status.success(), "{}", common::stderr(&info));
    std::fs::write(dir.join("network_info.json"), &info.stdout).unwrap();

    let manifest = std::fs::read_dir(dir.join("batch"))
        .unwrap()
        .map(|e| e.unwrap().path().join("manifest.json"))
        .find(|p| p.is_file())
        .expect("a run folder with its manifest");
    let mut now = BTreeSet::new();
    for (file, what) in [
        (dir.join("steady/o2.json"), "sidecar o2.json"),
        (dir.join("protocol/timeline.json"), "timeline.json"),
        (manifest, "batch manifest.json"),
        (dir.join("bench.json"), "bench --json"),
        (
            dir.join("bench_protocol.json"),
            "bench --problem protocol --json",
        ),
        (dir.join("validate.json"), "validate --json"),
        (dir.join("network_info.json"), "network info --json"),
    ] {
        now.extend(file_keys(&file, what));
    }
    check_golden("json_keys.txt", &now, 100);

    // CSV columns are the same contract (`tests/golden/csv_columns.txt`): the header
    // names of a protocol's `timeline.csv` and `hypoxic_volume_histogram.csv` and of
    // the batch's `batch.csv` (`collect`), each prefixed with its file.
    ok(&["collect", "batch"], dir);
    let mut columns = BTreeSet::new();
    let mut headers = Vec::new();
    for (file, what) in [
        (dir.join("protocol/timeline.csv"), "timeline.csv"),
        (
            dir.join("protocol/hypoxic_volume_histogram.csv"),
            "hypoxic_volume_histogram.csv",
        ),
        (dir.join("batch/batch.csv"), "batch.csv"),
    ] {
        let text = std::fs::read_to_string(&file).unwrap();
        let header = text.lines().next().unwrap_or_default();
        columns.extend(header.split(',').map(|c| format!("{what}: {c}")));
        headers.push(format!("{what}: {header}"));
    }
    check_golden("csv_columns.txt", &columns, 40);
    check_column_order(&headers);
}

/// Columns keep their places (README: new ones only ever follow the old): each
/// header recorded in `tests/golden/csv_order.txt` is a prefix of the file's header
/// now. `OXYFIELD_BLESS=1` records the current headers, and refuses to record one that
/// is not an extension of the recorded one.
fn check_column_order(headers: &[String]) {
    let golden =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/csv_order.txt");
    let recorded: Vec<String> = std::fs::read_to_string(&golden)
        .map(|t| t.lines().map(String::from).collect())
        .unwrap_or_default();
    for old in &recorded {
        let (file, cols) = old.split_once(": ").expect("FILE: header");
        let now = headers
            .iter()
            .find(|h| h.starts_with(&format!("{file}: ")))
            .unwrap_or_else(|| panic!("{file} is no longer checked"));
        let now_cols = &now[file.len() + 2..];
        assert!(
            now_cols == cols || now_cols.starts_with(&format!("{cols},")),
            "{file}: the columns moved or went (they keep their places and new ones \
             follow them; {}):\nrecorded {cols}\nnow      {now_cols}",
            golden.display()
        );
    }
    if std::env::var_os("OXYFIELD_BLESS").is_some() || recorded.is_empty() {
        let text: String = headers.iter().map(|h| format!("{h}\n")).collect();
        std::fs::write(&golden, text).unwrap();
    }
}
