//! `summary.json` keys are a contract with users' scripts: they are only ever added.
//! `tests/golden/summary_keys.txt` lists every key path a steady run (with ROS and a
//! vessel network, and again in a medium) and a protocol run (with a drug and ROS)
//! wrote when the list was made; each must still be there. Arrays are walked through
//! their first element (`files[]`). To add keys to the list after adding them to the
//! outputs, run the test with `OXYFIELD_BLESS=1` (it only adds); removing or renaming
//! one fails here. Key names are checked, not the types of their values.
//! `json_keys.rs` holds the other JSON files to the same rule with the helpers here.

use crate::common;
use std::collections::BTreeSet;
use std::path::Path;

/// Every key path of `v`, as `a.b.c`, `a[].b`.
pub(crate) fn paths(v: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(p.clone());
                paths(x, &p, out);
            }
        }
        serde_json::Value::Array(a) => {
            if let Some(x) = a.first() {
                paths(x, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// The key paths of `dir/summary.json`, each prefixed with `what`.
fn summary_keys(dir: &Path, what: &str) -> BTreeSet<String> {
    file_keys(&dir.join("summary.json"), what)
}

/// The key paths of the JSON file `path`, each prefixed with `what`.
pub(crate) fn file_keys(path: &Path, what: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut keys = BTreeSet::new();
    paths(&doc, "", &mut keys);
    keys.into_iter().map(|k| format!("{what}: {k}")).collect()
}

/// Checks that every key listed in `tests/golden/<golden>` is in `now` (at least
/// `min` are listed); with `OXYFIELD_BLESS` set, adds the keys of `now` to the list
/// instead (it never removes one).
pub(crate) fn check_golden(golden: &str, now: &BTreeSet<String>, min: usize) {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(golden);
    let listed: BTreeSet<String> = std::fs::read_to_string(&golden)
        .map(|text| text.lines().map(String::from).collect())
        .unwrap_or_default();
    if std::env::var_os("OXYFIELD_BLESS").is_some() {
        let text: String = listed.union(now).map(|k| format!("{k}\n")).collect();
        std::fs::write(&golden, text).unwrap();
        return;
    }
    assert!(
        listed.len() >= min,
        "{}: the list is too short: {}",
        golden.display(),
        listed.len()
    );
    let missing: Vec<&String> = listed.difference(now).collect();
    assert!(
        missing.is_empty(),
        "outputs lost keys or columns that users' scripts may read (they are only ever \
         added; see CHANGELOG; {}): {missing:?}",
        golden.display()
    );
}

pub(crate) const SCENARIO: &str = r#"
name = "keys"
seed = 3
[grid]
shape_zyx = [12, 16, 16]
spacing_um = 10.0
[vessels.synthetic]
density_mm_per_mm3 = 120.0
[ros]
enabled = true
"#;

pub(crate) const PROTOCOL: &str = r#"
schema_version = 1
name = "keys"
duration = "4h"
time_step = "1h"
settle = false
[[radiotherapy]]
dose_gy = 2.0
start = "1h"
every = "1d"
count = 1
[[drug]]
preset = "evofosfamide"
start = "0h"
every = "1w"
count = 1
"#;

#[test]
fn summary_json_keys_are_only_ever_added() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("keys.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let protocol = dir.path().join("protocol.toml");
    std::fs::write(&protocol, PROTOCOL).unwrap();
    let steady = dir.path().join("steady");
    let r = common::run_cpu(&scenario, &steady);
    assert!(r.status.success(), "{}", common::stderr(&r));
    let run = dir.path().join("protocol");
    let r = common::oxyfield()
        .arg("run")
        .arg(&scenario)
        .args(["--backend", "cpu", "--protocol"])
        .arg(&protocol)
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", common::stderr(&r));
    // A steady run in a medium (`grid.medium`; protocols refuse one) adds its keys.
    let medium_scenario = dir.path().join("keys_medium.toml");
    std::fs::write(
        &medium_scenario,
        format!("{SCENARIO}[boundary]\nmedium_um = 20.0\n"),
    )
    .unwrap();
    let medium = dir.path().join("medium");
    let r = common::run_cpu(&medium_scenario, &medium);
    assert!(r.status.success(), "{}", common::stderr(&r));
    let mut now = summary_keys(&steady, "steady");
    now.extend(summary_keys(&medium, "steady"));
    now.extend(summary_keys(&run, "protocol"));
    check_golden("summary_keys.txt", &now, 101);
}
