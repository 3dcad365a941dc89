//! The corpus of bad inputs (tests/bad_inputs/, described by cases.toml): the binary is
//! run on each, and must exit with code 2, name the file, the place and the fix, never
//! panic, and (for `run` and `batch`) leave no outputs behind. Every failing case is
//! reported in one message, so one run shows all of them.

use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    /// Files the cases use that are not the bad file of any case.
    helpers: Vec<String>,
    /// The cases.
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// The bad file; stderr must name it.
    file: String,
    /// The bad file is meant not to exist.
    #[serde(default)]
    absent: bool,
    /// The command line after `oxyfield`.
    args: Vec<String>,
    /// Where the fault is, as stderr says it.
    place: String,
    /// How to fix it, as stderr says it.
    fix: String,
    /// Expected exit code.
    #[serde(default = "two")]
    exit: i32,
}

fn two() -> i32 {
    2
}

/// The corpus folder.
fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

/// Copies `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir`, as paths relative to it with '/' separators.
fn files_under(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().unwrap().is_dir() {
            files_under(&entry.path(), &format!("{name}/"), out);
        } else {
            out.insert(name);
        }
    }
}

/// A short name for a case's output folder.
fn slug(k: usize, case: &Case) -> String {
    let stem: String = case
        .file
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{k:03}_{stem}")
}

/// Runs one case in `work`; the problems found, if any.
fn run_case(k: usize, case: &Case, work: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut args = case.args.clone();
    let writes = matches!(args.first().map(String::as_str), Some("run" | "batch"));
    let out = work.join("out").join(slug(k, case));
    if writes {
        args.extend(["--backend".into(), "cpu".into(), "--out".into()]);
        args.push(out.display().to_string());
    }
    let output = Command::new(env!("CARGO_BIN_EXE_oxyfield"))
        .current_dir(work)
        .env("RUST_LOG", "warn")
        .env_remove("RUST_BACKTRACE")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_COUNT")
        .args(&args)
        .output()
        .expect("start oxyfield");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();
    if code != Some(case.exit) {
        problems.push(format!("exit code {code:?}, expected {}", case.exit));
    }
    for (what, text) in [
        ("the file", case.file.as_str()),
        ("the place", case.place.as_str()),
        ("the fix", case.fix.as_str()),
    ] {
        if !stderr.contains(text) {
            problems.push(format!("stderr does not name {what}: {text:?}"));
        }
    }
    for bad in ["panicked", "RUST_BACKTRACE"] {
        if stderr.contains(bad) {
            problems.push(format!("stderr contains {bad:?}: a panic"));
        }
    }
    if !stderr.contains("error: ") {
        problems.push("stderr has no \"error: \" line".into());
    }
    if writes && out.exists() {
        let left: Vec<String> = walk(&out);
        if !left.is_empty() {
            problems.push(format!(
                "the failed command left outputs in its --out folder: {}",
                left.join(", ")
            ));
        }
    }
    if problems.is_empty() {
        return problems;
    }
    vec![format!(
        "case {k} ({}): oxyfield {}\n  - {}\n  stderr:\n{}",
        case.file,
        args.join(" "),
        problems.join("\n  - "),
        stderr
            .lines()
            .map(|l| format!("    | {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    )]
}

/// Every file and folder under `dir`.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            out.push(e.path().display().to_string());
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            }
        }
    }
    out
}

#[test]
fn every_bad_input_is_refused_with_file_place_and_fix() {
    let root = corpus();
    let text = std::fs::read_to_string(root.join("cases.toml")).expect("cases.toml");
    let manifest: Manifest = toml::from_str(&text).expect("cases.toml parses");
    let cases = &manifest.case;

    // The corpus: enough cases, over distinct files in every format, each file used.
    let mut problems = Vec::new();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let bad_files: BTreeSet<&str> = cases.iter().map(|c| c.file.as_str()).collect();
    assert!(
        bad_files.len() >= 45,
        "only {} distinct bad files",
        bad_files.len()
    );
    for (format, want) in [
        ("scenario/", 15),
        ("protocol/", 8),
        ("sweep/", 6),
        ("npy/", 8),
        ("network/", 8),
    ] {
        let n = bad_files.iter().filter(|f| f.starts_with(format)).count();
        if n < want {
            problems.push(format!("{format}: {n} bad files, want at least {want}"));
        }
    }
    let mut on_disk = BTreeSet::new();
    files_under(&root, "", &mut on_disk);
    for case in cases {
        if case.absent == on_disk.contains(&case.file) {
            problems.push(format!(
                "{}: {}",
                case.file,
                if case.absent {
                    "is marked absent but exists"
                } else {
                    "is not in tests/bad_inputs"
                }
            ));
        }
    }
    for f in &on_disk {
        let used = bad_files.contains(f.as_str())
            || manifest.helpers.iter().any(|h| h == f)
            || cases.iter().any(|c| c.args.iter().any(|a| a == f));
        if !used {
            problems.push(format!(
                "{f}: no case uses it (list it in `helpers` if a case reads it indirectly)"
            ));
        }
    }

    // Run the cases in a copy of the corpus, several at a time.
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("bad_inputs");
    copy_dir(&root, &work);
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get().min(8));
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let work = &work;
                s.spawn(move || {
                    cases
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .flat_map(|(k, c)| run_case(k, c, work))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("case thread"))
            .collect()
    });
    problems.extend(failures);
    assert!(
        problems.is_empty(),
        "{} problem(s) in the bad-input corpus ({} cases):\n\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n\n")
    );
}
