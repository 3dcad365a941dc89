//! `oxyfield check` through the real binary: it opens every file a scenario or its
//! protocol names and refuses what `run` would refuse, with the same message; it says
//! what checkpoints a run writes; it describes windows in words.

use crate::common::{oxyfield, stderr, stdout};
use std::path::Path;
use std::process::Output;

/// A float32 `.npy` of ones with this shape.
fn write_npy(path: &Path, shape: &[usize]) {
    let n: usize = shape.iter().product();
    let bytes = oxyfield::npy::encode_f32(&vec![1.0; n], shape);
    std::fs::write(path, bytes).unwrap();
}

const GRID: &str = "[grid]\nshape_zyx = [8, 10, 12]\nspacing_um = 10.0\n";

fn check(file: &Path) -> Output {
    oxyfield().arg("check").arg(file).output().unwrap()
}

fn run(file: &Path, out: &Path) -> Output {
    oxyfield()
        .arg("run")
        .arg(file)
        .args(["--backend", "cpu", "-q", "--out"])
        .arg(out)
        .output()
        .unwrap()
}

/// The `error:` line of a failed command.
fn error_line(o: &Output) -> String {
    stderr(o)
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default()
        .to_string()
}

/// Each bad scenario: `check` exits 2 with the message `run` gives, naming the file.
#[test]
fn check_refuses_what_run_refuses_with_the_same_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_npy(&d.join("n_wrong.npy"), &[8, 10, 13]);
    write_npy(&d.join("dose_wrong.npy"), &[4, 4, 4]);
    write_npy(&d.join("sv.npy"), &[8, 10, 12]);
    std::fs::write(
        d.join("rt_dose.toml"),
        "schema_version = 1\nduration = \"12h\"\n[[radiotherapy]]\ndose_gy = 2.0\n\
         at = [\"0h\"]\ndose_map_npy = \"dose_wrong.npy\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("rt_missing.toml"),
        "schema_version = 1\nduration = \"12h\"\n[[radiotherapy]]\ndose_gy = 2.0\n\
         at = [\"0h\"]\ndose_map_npy = \"no_such_dose.npy\"\n",
    )
    .unwrap();
    let cases = [
        (
            "network_missing",
            format!("{GRID}[vessels.network]\nfile = \"no_such.dat\"\n"),
            "no_such.dat",
        ),
        (
            "n_shape",
            format!("{GRID}[tissue]\nviable_fraction_npy = \"n_wrong.npy\"\n"),
            "[8, 10, 13]",
        ),
        (
            "pb_missing",
            format!("{GRID}[vessels.npy]\nsv = \"sv.npy\"\npb = \"no_pb.npy\"\n"),
            "no_pb.npy",
        ),
        (
            "dose_shape",
            format!("protocol = \"rt_dose.toml\"\n{GRID}"),
            "dose_wrong.npy",
        ),
        (
            "dose_missing",
            format!("protocol = \"rt_missing.toml\"\n{GRID}"),
            "no_such_dose.npy",
        ),
    ];
    for (name, toml, named) in cases {
        let file = d.join(format!("{name}.toml"));
        std::fs::write(&file, toml).unwrap();
        let c = check(&file);
        assert_eq!(
            c.status.code(),
            Some(2),
            "{name}: {}{}",
            stdout(&c),
            stderr(&c)
        );
        assert!(!stdout(&c).contains("valid"), "{name}: {}", stdout(&c));
        assert!(error_line(&c).contains(named), "{name}: {}", stderr(&c));
        let r = run(&file, &d.join(format!("out_{name}")));
        assert_eq!(r.status.code(), Some(2), "{name}: {}", stderr(&r));
        assert_eq!(error_line(&c), error_line(&r), "{name}");
    }
    // A protocol file alone: a missing dose map is refused, a 2-D one too.
    let c = check(&d.join("rt_missing.toml"));
    assert_eq!(c.status.code(), Some(2), "{}", stderr(&c));
    assert!(
        error_line(&c).contains("no_such_dose.npy"),
        "{}",
        stderr(&c)
    );
    write_npy(&d.join("dose_2d.npy"), &[4, 4]);
    std::fs::write(
        d.join("rt_2d.toml"),
        "schema_version = 1\nduration = \"12h\"\n[[radiotherapy]]\ndose_gy = 2.0\n\
         at = [\"0h\"]\ndose_map_npy = \"dose_2d.npy\"\n",
    )
    .unwrap();
    let c = check(&d.join("rt_2d.toml"));
    assert_eq!(c.status.code(), Some(2), "{}", stderr(&c));
    assert!(error_line(&c).contains("must be 3-D"), "{}", stderr(&c));
    // A 3-D map alone passes, saying its shape waits for a scenario.
    let c = check(&d.join("rt_dose.toml"));
    assert!(c.status.success(), "{}", stderr(&c));
    assert!(
        stdout(&c).contains("dose map") && stdout(&c).contains("[4, 4, 4]"),
        "{}",
        stdout(&c)
    );
}

/// A good scenario with files: valid, naming the files it opened.
#[test]
fn check_lists_the_files_it_opened() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_npy(&d.join("n.npy"), &[8, 10, 12]);
    write_npy(&d.join("dose.npy"), &[8, 10, 12]);
    std::fs::write(
        d.join("rt.toml"),
        "schema_version = 1\nduration = \"12h\"\n[[radiotherapy]]\ndose_gy = 2.0\n\
         at = [\"0h\"]\ndose_map_npy = \"dose.npy\"\n",
    )
    .unwrap();
    let file = d.join("good.toml");
    std::fs::write(
        &file,
        format!("protocol = \"rt.toml\"\n{GRID}[tissue]\nviable_fraction_npy = \"n.npy\"\n"),
    )
    .unwrap();
    let c = check(&file);
    assert!(c.status.success(), "{}", stderr(&c));
    let text = stdout(&c);
    let first = text.lines().next().unwrap();
    assert!(first.contains("valid"), "{text}");
    for f in ["n.npy", "rt.toml", "dose.npy"] {
        assert!(first.contains(f), "{f} not in: {first}");
    }
}

/// `check` says what checkpoints `run` writes: daily by default, never "none".
#[test]
fn check_says_when_a_run_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    std::fs::write(&p, "schema_version = 1\nduration = \"3d\"\n").unwrap();
    let text = stdout(&check(&p));
    assert!(!text.contains("checkpoints: none"), "{text}");
    assert!(
        text.contains("checkpoints: every 1d (the default"),
        "{text}"
    );
    assert!(text.contains("`oxyfield batch` writes none"), "{text}");
    std::fs::write(
        &p,
        "schema_version = 1\nduration = \"3d\"\ncheckpoint_every = \"6h\"\n",
    )
    .unwrap();
    let text = stdout(&check(&p));
    assert!(text.contains("checkpoints: every 6h;"), "{text}");
    // The examples say what leaving the key out does.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/protocols");
    for e in std::fs::read_dir(root).unwrap() {
        let path = e.unwrap().path();
        let t = std::fs::read_to_string(&path).unwrap();
        assert!(!t.contains("leave out for none"), "{}", path.display());
        if !t.contains("checkpoint_every") {
            assert!(t.contains("every simulated day"), "{}", path.display());
        }
    }
}

/// Windows in words, not Rust debug text.
#[test]
fn check_describes_windows_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.toml");
    std::fs::write(
        &p,
        "schema_version = 1\nduration = \"3d\"\n\
         [[normalisation]]\nstart = \"1h\"\nend = \"10h\"\n\
         [[hif_inhibitor]]\nstart = \"1h\"\nend = \"10h\"\n\
         [[prooxidant]]\nstart = \"1h\"\nend = \"10h\"\ngsh_synthesis_inhibition = 0.9\n\
         [[antioxidant]]\nstart = \"1h\"\nend = \"10h\"\n",
    )
    .unwrap();
    let c = check(&p);
    assert!(c.status.success(), "{}", stderr(&c));
    let text = stdout(&c);
    for words in [
        "normalisation[0]: d 0 01:00 to d 0 10:00, wall exchange × 1.3, blood pO2 + 10 mmHg, \
         30 % of the vessel surface pruned at the opening",
        "hif_inhibitor[0]: d 0 01:00 to d 0 10:00, HIF target suppressed by 60 %",
        "extra ROS production 0.4 µM/s, GSH synthesis blocked by 90 %",
        "antioxidant capacity + 30 %, radiation dose ÷ 1.05",
    ] {
        assert!(text.contains(words), "missing {words:?} in\n{text}");
    }
    for debug in ["{", "_factor:", "Normalisation", "HifInhibitor"] {
        assert!(!text.contains(debug), "{debug:?} in\n{text}");
    }
}
