//! The command line as a contract, through the real binary: output paths that cannot
//! be written are refused naming the option; a reused `--out` folder never mixes two
//! runs; contradicting options are refused; README and `--help` agree; `-v` and `-vv`
//! differ; a repeated warning prints once with a count.

use crate::common::{oxyfield, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::Output;

const SMALL: &str = "name = \"small\"\nseed = 5\n[grid]\nshape_zyx = [8, 10, 12]\n\
                     spacing_um = 10.0\n[vessels.synthetic]\ndensity_mm_per_mm3 = 150.0\n";

/// Writes the small scenario (with `extra` appended) and returns its path.
fn scenario(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{SMALL}{extra}")).unwrap();
    p
}

fn run(args: &[&str], scenario: &Path, out: &Path) -> Output {
    oxyfield()
        .arg("run")
        .arg(scenario)
        .args(["--backend", "cpu"])
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// Exit 2 and an `error:` line holding every one of `words`.
fn refused(o: &Output, words: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let line = err.lines().find(|l| l.starts_with("error:")).unwrap_or("");
    for w in words {
        assert!(line.contains(w), "{w:?} not in {line:?}\n{err}");
    }
    assert!(!err.contains("os error 17"), "{err}");
}

#[test]
fn unwritable_outputs_are_refused_naming_the_option_and_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sc = scenario(d, "s.toml", "");
    let file = d.join("a_file");
    std::fs::write(&file, "x").unwrap();
    let o = run(&[], &sc, &file);
    refused(&o, &["--out", "a_file", "is a file, not a folder"]);
    let o = run(&[], &sc, &file.join("sub"));
    refused(&o, &["--out", "cannot create the folder", "is a file"]);
    // sysfs refuses new entries even to root.
    if Path::new("/sys/kernel").is_dir() {
        let o = run(&[], &sc, Path::new("/sys/oxyfield-test"));
        refused(
            &o,
            &[
                "--out",
                "/sys/oxyfield-test",
                "cannot write in the folder /sys",
            ],
        );
        let o = oxyfield()
            .args(["network", "generate", "-o", "/sys/net.vtp"])
            .output()
            .unwrap();
        refused(
            &o,
            &["-o", "/sys/net.vtp", "cannot write in the folder /sys"],
        );
    }
    // A good run to render from.
    let out = d.join("out");
    assert!(run(&["-q"], &sc, &out).status.success());
    let render = |args: &[&str]| {
        oxyfield()
            .arg("render")
            .arg(&out)
            .args(args)
            .output()
            .unwrap()
    };
    let o = render(&["-o", out.to_str().unwrap()]);
    refused(&o, &["-o", "is a folder"]);
    let missing = d.join("no_such_dir").join("x.png");
    let o = render(&["-o", missing.to_str().unwrap()]);
    refused(&o, &["-o", "no_such_dir", "does not exist"]);
    let o = oxyfield()
        .args(["network", "convert"])
        .arg(out.join("network.vtp"))
        .arg(d.join("no_such_dir").join("net.dat"))
        .output()
        .unwrap();
    refused(
        &o,
        &["network convert OUTPUT", "no_such_dir", "does not exist"],
    );
}

/// A second run into a folder replaces the first one's outputs: nothing stale stays
/// (a steady run's slices and blood-pO2 map beside a protocol run of another grid),
/// and files oxyfield did not write stay.
#[test]
fn a_reused_out_folder_holds_only_the_new_runs_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let big = d.join("big.toml");
    std::fs::write(&big, SMALL.replace("[8, 10, 12]", "[12, 16, 20]")).unwrap();
    let out = d.join("out");
    assert!(run(&["-q"], &big, &out).status.success());
    for f in ["vessels_pb.npy", "o2_xy.png", "network.vtp", "summary.json"] {
        assert!(out.join(f).exists(), "{f}");
    }
    std::fs::write(out.join("my_notes.txt"), "mine").unwrap();
    std::fs::create_dir_all(out.join("figures")).unwrap();
    std::fs::write(out.join("figures").join("my.txt"), "mine").unwrap();
    let sc = scenario(
        d,
        "p.toml",
        "[protocol]\nschema_version = 1\nduration = \"6h\"\ntime_step = \"6h\"\n",
    );
    let o = run(&[], &sc, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    for stale in [
        "vessels_pb.npy",
        "vessels_pb.json",
        "o2_xy.png",
        "network.vtp",
    ] {
        assert!(!out.join(stale).exists(), "stale {stale} left");
    }
    for kept in ["my_notes.txt", "figures/my.txt"] {
        assert!(out.join(kept).exists(), "{kept} removed");
    }
    for f in ["o2.json", "viable.json", "vessels_sv.json"] {
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(f)).unwrap()).unwrap();
        assert_eq!(m["shape"], serde_json::json!([8, 10, 12]), "{f}");
    }
    assert!(out.join("timeline.csv").exists());
}

#[test]
fn contradicting_options_are_refused_and_negative_limits_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sc = scenario(d, "s.toml", "");
    let o = run(&["--adapter", "llvmpipe"], &sc, &d.join("x"));
    refused(&o, &["--adapter", "--backend cpu"]);
    assert!(
        !d.join("x").exists(),
        "a refused run must not create its folder"
    );
    for cmd in [&["bench"][..], &["validate"][..]] {
        let o = oxyfield()
            .args(cmd)
            .args(["--backend", "cpu", "--adapter", "x"])
            .output()
            .unwrap();
        refused(&o, &["--adapter", "--backend cpu"]);
    }
    let out = d.join("out");
    assert!(run(&["-q"], &sc, &out).status.success());
    let render = |args: &[&str]| {
        oxyfield()
            .arg("render")
            .arg(&out)
            .args(args)
            .current_dir(d)
            .output()
            .unwrap()
    };
    refused(
        &render(&["--projection", "max", "--montage", "planes"]),
        &["--projection", "--montage planes"],
    );
    refused(
        &render(&["--projection", "mean", "--montage", "levels:3"]),
        &["--projection", "levels:3"],
    );
    for (args, words) in [
        (
            &["--animate", "--plot", "histogram"][..],
            ["--animate", "--plot"],
        ),
        (
            &["--plot", "histogram", "--projection", "max"][..],
            ["--plot", "--projection"],
        ),
        (&["--frame-ms", "100"][..], ["--animate", "required"]),
    ] {
        let o = render(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        for w in words {
            assert!(stderr(&o).contains(w), "{args:?}: {}", stderr(&o));
        }
    }
    refused(&render(&["-o", "out.jpg"]), &["-o", "out.jpg", ".png"]);
    assert!(!d.join("out.jpg").exists());
    let o = render(&["--field", "o2", "--limits", "-10,10", "-o", "neg.png"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("neg.png").exists());
    let o = oxyfield()
        .arg("collect")
        .arg(d)
        .args(["--limits", "-5,5"])
        .output()
        .unwrap();
    assert!(
        !stderr(&o).contains("unexpected argument"),
        "{}",
        stderr(&o)
    );
}

/// The README's Commands synopsis of `oxyfield SUB`: its line and the indented lines
/// that continue it.
fn synopsis(readme: &str, sub: &str) -> String {
    let section = readme
        .split("\n## Commands\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a Commands section");
    let head = format!("    oxyfield {sub}");
    let mut out = String::new();
    let mut inside = false;
    for line in section.lines() {
        if line.starts_with("    oxyfield ") {
            let rest = &line[head.len().min(line.len())..];
            inside = line.starts_with(&head)
                && (sub.starts_with('[') || rest.is_empty() || rest.starts_with(' '));
        } else if !line.starts_with("        ") {
            inside = false;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The long options `--help` defines (its option lines, not mentions in the text).
fn long_flags(help: &str) -> Vec<String> {
    help.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let t = t
                .strip_prefix('-')
                .filter(|r| r.len() > 2 && r.as_bytes()[1] == b',')
                .map_or(t, |r| r[2..].trim_start());
            let name: String = t
                .strip_prefix("--")?
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (!name.is_empty() && name != "help" && name != "version").then(|| format!("--{name}"))
        })
        .collect()
}

/// True when `text` has `flag` as a whole option name (not `--json` in `--jsonl`).
fn mentions(text: &str, flag: &str) -> bool {
    text.match_indices(flag).any(|(i, _)| {
        text[i + flag.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-'))
    })
}

#[test]
fn every_flag_in_help_is_in_the_readme_synopsis() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let help = |args: &[&str]| {
        let o = oxyfield().args(args).arg("--help").output().unwrap();
        assert!(o.status.success());
        stdout(&o)
    };
    let global = long_flags(&help(&[]));
    assert_eq!(global, ["--verbose", "--quiet"]);
    let top = synopsis(&readme, "[");
    for f in &global {
        assert!(
            top.contains(f.as_str()),
            "{f} not in the global synopsis:\n{top}"
        );
    }
    let subs = [
        "run",
        "check",
        "render",
        "plan",
        "batch",
        "collect",
        "devices",
        "bench",
        "validate",
        "network info",
        "network convert",
        "network generate",
    ];
    let mut missing = Vec::new();
    for sub in subs {
        let words: Vec<&str> = sub.split(' ').collect();
        let block = synopsis(&readme, sub);
        assert!(!block.is_empty(), "no synopsis of `oxyfield {sub}`");
        for f in long_flags(&help(&words)) {
            if !global.contains(&f) && !mentions(&block, &f) {
                missing.push(format!("{sub} {f}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "flags in --help but not in README: {missing:?}"
    );
    // Lists take commas, as --help shows them.
    let bench = help(&["bench"]);
    assert!(bench.contains("[default: 64,128,256]"), "{bench}");
}

#[test]
fn verbose_gives_debug_and_very_verbose_trace() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path(), "s.toml", "");
    let logs = |flag: &str| {
        let o = oxyfield()
            .env_remove("RUST_LOG")
            .arg(flag)
            .arg("run")
            .arg(&sc)
            .args(["--backend", "cpu", "--out"])
            .arg(dir.path().join(flag))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    let (v, vv) = (logs("-v"), logs("-vv"));
    let count = |t: &str, w: &str| t.lines().filter(|l| l.contains(w)).count();
    assert!(count(&v, "[DEBUG") > 0, "{v}");
    assert_eq!(count(&v, "[TRACE"), 0, "{v}");
    assert_eq!(count(&v, ": relative residual"), 0, "{v}");
    assert!(count(&vv, "[TRACE") > 5, "{vv}");
    assert!(count(&vv, ": relative residual") > 5, "{vv}");
}

/// A warning each step of a protocol (a solve to 1e-8 cut at one cycle and kept under
/// `solver.allow_unconverged`) prints once, then one line with the count; `-q` keeps
/// both.
#[test]
fn a_repeated_warning_prints_once_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(
        dir.path(),
        "s.toml",
        "[solver]\nmax_iterations = 1\ntolerance = 1e-8\nallow_unconverged = true\n[ros]\nenabled = false\n[protocol]\nschema_version = 1\n\
         duration = \"12h\"\ntime_step = \"3h\"\n",
    );
    for quiet in [false, true] {
        let args: &[&str] = if quiet { &["-q"] } else { &[] };
        let o = run(args, &sc, &dir.path().join(format!("out{quiet}")));
        let err = stderr(&o);
        assert!(o.status.success(), "{err}");
        let warns: Vec<&str> = err.lines().filter(|l| l.starts_with("[WARN")).collect();
        let stagnated = warns
            .iter()
            .filter(|l| l.contains("did not converge"))
            .count();
        let repeated: Vec<&&str> = warns
            .iter()
            .filter(|l| l.contains("repeated") && l.contains("more time"))
            .collect();
        assert_eq!(stagnated - repeated.len(), 1, "{err}");
        assert_eq!(repeated.len(), 1, "{err}");
        // The t = 0 solve and one per step (4 steps): at least 4 counted.
        let n: u32 = repeated[0]
            .split("repeated ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(n >= 4, "{err}");
    }
}

/// `bench --problem protocol`: a short protocol per size, its step time and traffic per
/// step in the table and the JSON (`sizes[].protocol`), every number finite.
#[test]
fn bench_protocol_reports_time_and_traffic_per_step() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let o = oxyfield()
        .args(["bench", "--problem", "protocol", "--sizes", "8"])
        .args(["--backend", "cpu", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("ms/step") && out.contains("8³"), "{out}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(doc["problem"], "protocol");
    assert_eq!(doc["backend"], "cpu");
    let sizes = doc["sizes"].as_array().unwrap();
    assert_eq!(sizes.len(), 1);
    assert_eq!(sizes[0]["n"], 8);
    let p = &sizes[0]["protocol"];
    assert_eq!(p["steps"], 24, "{p}");
    assert_eq!(p["converged"], true, "{p}");
    let num = |k: &str| {
        let v = p[k].as_f64().unwrap_or_else(|| panic!("{k} missing: {p}"));
        assert!(v.is_finite() && v >= 0.0, "{k} = {v}");
        v
    };
    for k in ["seconds", "ms_per_step", "median_step_ms", "max_step_ms"] {
        assert!(num(k) > 0.0, "{k}: {p}");
    }
    for k in [
        "t0_seconds",
        "events_seconds",
        "bytes_up_per_step",
        "bytes_down_per_step",
        "submits_per_step",
        "dispatches_per_step",
    ] {
        num(k);
    }
    for k in ["bytes_up", "bytes_down", "submits", "dispatches"] {
        assert!(p["transfers"][k].is_u64(), "transfers.{k}: {p}");
    }
}

/// A protocol's `summary.json` gives the run's host↔backend traffic under `transfers`.
#[test]
fn protocol_summary_has_transfers() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(
        dir.path(),
        "p.toml",
        "[ros]\nenabled = false\n[output]\npng = false\n[figures]\nmontage = false\n\
         plots = false\nanimation = false\n[protocol]\nschema_version = 1\n\
         duration = \"2h\"\ntime_step = \"1h\"\nsettle = false\n\
         [[protocol.radiotherapy]]\ndose_gy = 2.0\nat = [\"1h\"]\n",
    );
    let out = dir.path().join("out");
    let o = run(&[], &sc, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for k in ["bytes_up", "bytes_down", "submits", "dispatches"] {
        assert!(
            s["transfers"][k].is_u64(),
            "transfers.{k}: {}",
            s["transfers"]
        );
    }
}
