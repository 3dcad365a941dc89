//! Sweep files (issue 9): expansion, ranges, stable ids, shards, resolved scenarios and
//! the errors of a wrong file.

use oxyfield::batch::sweep::{
    parse_shard, plan_lines, run_id, shard_from_vars, Sweep, SweepRun, MAX_RUNS,
};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

/// Writes `text` as `<name>.toml` in a fresh folder and loads it.
fn load_named(name: &str, text: &str) -> (tempfile::TempDir, oxyfield::Result<Sweep>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write sweep");
    let sweep = Sweep::load(&path);
    (dir, sweep)
}

fn load(text: &str) -> Sweep {
    let (_dir, sweep) = load_named("sweep", text);
    sweep.expect("valid sweep")
}

fn load_err(text: &str) -> String {
    let (_dir, sweep) = load_named("bad-sweep", text);
    sweep.expect_err("invalid sweep").to_string()
}

const HEAD: &str = "schema_version = 1\nbase = \"default\"\n";

fn param(run: &SweepRun, key: &str) -> Value {
    run.parameters[key].clone()
}

#[test]
fn product_runs_every_combination_last_key_fastest() {
    let s = load(&format!(
        "{HEAD}[vary]\n\"vessels.synthetic.density_mm_per_mm3\" = [60.0, 100.0, 150.0]\nseed = [1, 2]\n"
    ));
    assert_eq!(s.runs.len(), 6);
    assert_eq!(s.name, "sweep");
    let got: Vec<(Value, Value)> = s
        .runs
        .iter()
        .map(|r| {
            (
                param(r, "vessels.synthetic.density_mm_per_mm3"),
                param(r, "seed"),
            )
        })
        .collect();
    let want: Vec<(Value, Value)> = [60.0, 100.0, 150.0]
        .iter()
        .flat_map(|d| [1, 2].map(|k| (json!(d), json!(k))))
        .collect();
    assert_eq!(got, want);
    for (k, r) in s.runs.iter().enumerate() {
        assert_eq!(r.index, k);
    }
    assert_eq!(s.keys, ["vessels.synthetic.density_mm_per_mm3", "seed"]);
}

#[test]
fn product_order_follows_the_file_not_the_alphabet() {
    let s = load(&format!(
        "{HEAD}[vary]\nseed = [1, 2]\n\"oxygen.km_mmhg\" = [1.0, 2.0, 3.0]\n"
    ));
    assert_eq!(s.keys, ["seed", "oxygen.km_mmhg"]);
    let seeds: Vec<Value> = s.runs.iter().map(|r| param(r, "seed")).collect();
    assert_eq!(seeds, [1, 1, 1, 2, 2, 2].map(|v| json!(v)));
    let km: Vec<Value> = s.runs.iter().map(|r| param(r, "oxygen.km_mmhg")).collect();
    assert_eq!(km, [1.0, 2.0, 3.0, 1.0, 2.0, 3.0].map(|v| json!(v)));
}

#[test]
fn zip_pairs_the_ith_values() {
    let s = load(&format!(
        "{HEAD}mode = \"zip\"\n[vary]\nseed = {{ first = 5, count = 3 }}\n\"oxygen.km_mmhg\" = [1.0, 2.0, 4.0]\n"
    ));
    assert_eq!(s.runs.len(), 3);
    let pairs: Vec<(Value, Value)> = s
        .runs
        .iter()
        .map(|r| (param(r, "seed"), param(r, "oxygen.km_mmhg")))
        .collect();
    assert_eq!(
        pairs,
        [(5, 1.0), (6, 2.0), (7, 4.0)].map(|(a, b)| (json!(a), json!(b)))
    );
}

#[test]
fn empty_vary_is_one_run_of_the_base() {
    for text in [HEAD.to_string(), format!("{HEAD}[vary]\n")] {
        let s = load(&text);
        assert_eq!(s.runs.len(), 1);
        assert!(s.runs[0].parameters.is_empty());
        let sc = s.scenario(&s.runs[0]).expect("base scenario");
        assert_eq!(sc.name, format!("sweep-{}", s.runs[0].id));
        assert_eq!(sc.spec.grid.shape_zyx, [64, 128, 128]);
    }
}

#[test]
fn ranges_are_inclusive_and_linspace_hits_both_ends() {
    let s = load(&format!(
        "{HEAD}mode = \"zip\"\n[vary]\n\
         a = {{ start = 10.0, stop = 20.0, step = 5.0 }}\n\
         b = {{ start = 0.0, stop = 1.0, count = 3 }}\n\
         c = {{ start = 2, stop = 6, step = 2 }}\n"
    ));
    let col = |k: &str| -> Vec<Value> { s.runs.iter().map(|r| param(r, k)).collect() };
    assert_eq!(col("a"), [10.0, 15.0, 20.0].map(|v| json!(v)));
    assert_eq!(col("b"), [0.0, 0.5, 1.0].map(|v| json!(v)));
    assert_eq!(col("c"), [2, 4, 6].map(|v| json!(v)));

    // A step that does not divide the span stops below `stop`; decimal steps stay decimal.
    let s = load(&format!(
        "{HEAD}[vary]\nd = {{ start = 0.1, stop = 1.0, step = 0.3 }}\n"
    ));
    let d: Vec<f64> = s
        .runs
        .iter()
        .map(|r| r.parameters["d"].as_f64().unwrap())
        .collect();
    assert_eq!(d, [0.1, 0.4, 0.7, 1.0]);
    let s = load(&format!(
        "{HEAD}[vary]\nd = {{ start = 0.0, stop = 1.0, count = 11 }}\n"
    ));
    let d: Vec<f64> = s
        .runs
        .iter()
        .map(|r| r.parameters["d"].as_f64().unwrap())
        .collect();
    assert_eq!(d.len(), 11);
    assert_eq!(d[3], 0.3);
    assert_eq!(d[10], 1.0);
}

#[test]
fn ids_depend_on_parameters_only() {
    let a = load(&format!(
        "{HEAD}name = \"first\"\n[vary]\nseed = [1, 2, 3]\n\"oxygen.km_mmhg\" = [1.0, 2.0]\n"
    ));
    // Another file: other name, keys in the other order, values reordered and extended.
    let b = load(&format!(
        "{HEAD}name = \"second\"\n[vary]\n\"oxygen.km_mmhg\" = [2.0, 1.0, 3.0]\nseed = [3, 2, 1]\n"
    ));
    let key = |r: &SweepRun| {
        (
            r.parameters["seed"].to_string(),
            r.parameters["oxygen.km_mmhg"].to_string(),
        )
    };
    for ra in &a.runs {
        let rb = b
            .runs
            .iter()
            .find(|rb| key(rb) == key(ra))
            .expect("same run");
        assert_eq!(ra.id, rb.id, "{:?}", ra.parameters);
    }
    let ids: BTreeSet<&str> = b.runs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), b.runs.len(), "ids are distinct");
    for r in &b.runs {
        assert_eq!(r.id.len(), 12);
        assert!(r.id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(r.id, run_id(&r.parameters));
    }
    // Pinned: the id of a known parameter set must not change between builds or machines.
    let one = a
        .runs
        .iter()
        .find(|r| r.parameters["seed"] == json!(1) && r.parameters["oxygen.km_mmhg"] == json!(1.0))
        .unwrap();
    let mut canonical = 0xcbf2_9ce4_8422_2325u64;
    for byte in br#"{"oxygen.km_mmhg":1.0,"seed":1}"# {
        canonical ^= u64::from(*byte);
        canonical = canonical.wrapping_mul(0x0000_0100_0000_01b3);
    }
    assert_eq!(
        one.id,
        format!("{:012x}", oxyfield::hash::fmix64(canonical) >> 16)
    );
    // An integer and a float of the same number are different parameters.
    let c = load(&format!("{HEAD}[vary]\n\"oxygen.km_mmhg\" = [1, 1.0]\n"));
    assert_ne!(c.runs[0].id, c.runs[1].id);
}

#[test]
fn duplicate_runs_are_an_error_naming_both() {
    let msg = load_err(&format!("{HEAD}[vary]\nseed = [1, 2, 1]\n"));
    assert!(msg.contains("bad-sweep.toml"), "{msg}");
    assert!(msg.contains("duplicate run"), "{msg}");
    assert!(msg.contains("runs 0 and 2"), "{msg}");
}

#[test]
fn shards_partition_the_runs_for_every_n() {
    let s = load(&format!(
        "{HEAD}[vary]\nseed = {{ first = 1, count = 7 }}\n\"oxygen.km_mmhg\" = [1.0, 2.0, 3.0]\n"
    ));
    assert_eq!(s.runs.len(), 21);
    for n in 1..=12 {
        let mut seen = Vec::new();
        for i in 0..n {
            let shard = s.shard(i, n);
            assert!(shard.iter().all(|r| r.index % n == i), "round-robin");
            seen.extend(shard.iter().map(|r| r.index));
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..21).collect::<Vec<_>>(), "n = {n}");
    }
    assert!(s.shard(3, 3).is_empty());
    assert!(s.shard(0, 0).is_empty());
}

#[test]
fn parse_shard_reads_i_of_n() {
    assert_eq!(parse_shard("0/4").unwrap(), (0, 4));
    assert_eq!(parse_shard(" 3/4 ").unwrap(), (3, 4));
    for bad in ["4/4", "1/0", "-1/4", "a/4", "1", "1/2/3", ""] {
        let msg = parse_shard(bad).expect_err(bad).to_string();
        assert!(msg.contains("--shard"), "{msg}");
    }
}

#[test]
fn slurm_array_variables_give_the_shard() {
    assert_eq!(shard_from_vars(None, None, None).unwrap(), None);
    assert_eq!(shard_from_vars(Some(""), None, None).unwrap(), None);
    assert_eq!(
        shard_from_vars(Some("3"), Some("8"), None).unwrap(),
        Some((3, 8))
    );
    // `--array=1-8`: ids 1..=8, made 0-based.
    assert_eq!(
        shard_from_vars(Some("1"), Some("8"), Some("1")).unwrap(),
        Some((0, 8))
    );
    assert_eq!(
        shard_from_vars(Some("8"), Some("8"), Some("1")).unwrap(),
        Some((7, 8))
    );
    for (id, count, min) in [
        (Some("8"), Some("8"), None),
        (Some("0"), Some("8"), Some("1")),
        (Some("3"), None, None),
        (None, Some("8"), None),
        (Some("x"), Some("8"), None),
        (Some("0"), Some("0"), None),
    ] {
        let msg = shard_from_vars(id, count, min)
            .expect_err("inconsistent")
            .to_string();
        assert!(msg.contains("SLURM_ARRAY_TASK_ID"), "{msg}");
        assert!(msg.contains("SLURM_ARRAY_TASK_COUNT"), "{msg}");
    }
}

#[test]
fn resolved_scenarios_carry_the_values() {
    let s = load(&format!(
        "{HEAD}name = \"dens\"\n[vary]\n\
         \"vessels.synthetic.density_mm_per_mm3\" = [60.0, 100.0, 150.0]\n\
         \"grid.shape_zyx\" = [[16, 32, 32]]\n\
         seed = [7]\n"
    ));
    let run = &s.runs[2];
    let sc = s.scenario(run).expect("resolved scenario");
    let syn = sc
        .spec
        .vessels
        .synthetic
        .as_ref()
        .expect("synthetic vessels");
    assert_eq!(syn.density_mm_per_mm3, 150.0);
    assert_eq!(sc.spec.grid.shape_zyx, [16, 32, 32]);
    assert_eq!(sc.spec.seed, 7);
    assert_eq!(sc.name, format!("dens-{}", run.id));
    // The base's other values stay.
    assert_eq!(syn.tortuosity, 0.3);
    assert_eq!(sc.spec.oxygen.max_consumption_mmhg_per_s, 15.0);
    // The manifest text is what was parsed.
    let text = s.scenario_toml(run);
    let again = oxyfield::config::Scenario::from_toml(&text, "manifest", "x", ".".into()).unwrap();
    assert_eq!(again.name, sc.name);
    assert_eq!(
        again.spec.vessels.synthetic.unwrap().density_mm_per_mm3,
        150.0
    );
}

#[test]
fn base_file_is_relative_to_the_sweep_and_new_tables_are_created() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
    std::fs::create_dir_all(dir.path().join("sweeps")).unwrap();
    std::fs::write(
        dir.path().join("scenarios/small.toml"),
        "[grid]\nshape_zyx = [8, 8, 8]\nspacing_um = 10.0\n",
    )
    .unwrap();
    let path = dir.path().join("sweeps/km.toml");
    std::fs::write(
        &path,
        "schema_version = 1\nbase = \"../scenarios/small.toml\"\n[vary]\n\"oxygen.km_mmhg\" = [0.5, 2.0]\n",
    )
    .unwrap();
    let s = Sweep::load(&path).unwrap();
    assert_eq!(s.name, "km");
    assert_eq!(s.base_dir, dir.path().join("sweeps/../scenarios"));
    let sc = s.scenario(&s.runs[1]).unwrap();
    assert_eq!(sc.spec.oxygen.km_mmhg, 2.0);
    assert_eq!(sc.spec.grid.shape_zyx, [8, 8, 8]);
}

#[test]
fn unknown_key_names_the_sweep_file_the_run_and_the_key() {
    let s = load(&format!(
        "{HEAD}[vary]\nseed = [1, 2]\n\"vessels.synthetic.densty\" = [60.0]\n"
    ));
    let run = &s.runs[1];
    let msg = s.scenario(run).expect_err("unknown key").to_string();
    assert!(msg.contains("sweep.toml"), "{msg}");
    assert!(msg.contains(&run.id), "{msg}");
    assert!(msg.contains("\"vessels.synthetic.densty\""), "{msg}");
    assert!(msg.contains("unknown field `densty`"), "{msg}");
    assert!(!msg.contains("\"seed\""), "only the culprit: {msg}");

    // A new top-level table, and a wrong type: found by trying the keys one by one.
    let s = load(&format!("{HEAD}[vary]\nseed = [1]\n\"nosuch.key\" = [1]\n"));
    let msg = s.scenario(&s.runs[0]).unwrap_err().to_string();
    assert!(msg.contains("\"nosuch.key\""), "{msg}");
    let s = load(&format!(
        "{HEAD}[vary]\nseed = [1]\n\"oxygen.km_mmhg\" = [\"high\"]\n"
    ));
    let msg = s.scenario(&s.runs[0]).unwrap_err().to_string();
    assert!(msg.contains("\"oxygen.km_mmhg\""), "{msg}");
    assert!(!msg.contains("\"seed\""), "{msg}");
    // A value out of its range: the scenario check's message, with the key.
    let s = load(&format!("{HEAD}[vary]\n\"oxygen.km_mmhg\" = [-1.0]\n"));
    let msg = s.scenario(&s.runs[0]).unwrap_err().to_string();
    assert!(msg.contains("sweep.toml"), "{msg}");
    assert!(msg.contains("oxygen.km_mmhg"), "{msg}");
}

#[test]
fn bad_ranges_name_the_file_and_key() {
    for (range, needle) in [
        ("{ start = 1.0, stop = 2.0, step = 0.0 }", "`step`"),
        ("{ start = 1.0, stop = 2.0, step = -1.0 }", "`step`"),
        ("{ start = 3.0, stop = 2.0, step = 1.0 }", "`start`"),
        ("{ start = 0.0, stop = 1.0, count = 0 }", "`count`"),
        ("{ first = 1, count = 0 }", "`count`"),
        ("{ start = 0.0, stop = 1.0 }", "`step`"),
        ("{ begin = 0.0, stop = 1.0, step = 1.0 }", "`begin`"),
        ("[]", "no values"),
        ("3.0", "[3.0]"),
        ("{ start = 0.0, stop = 1.0, step = 1e-9 }", "more than"),
    ] {
        let msg = load_err(&format!("{HEAD}[vary]\n\"oxygen.km_mmhg\" = {range}\n"));
        assert!(msg.contains("bad-sweep.toml"), "{range}: {msg}");
        assert!(msg.contains("\"oxygen.km_mmhg\""), "{range}: {msg}");
        assert!(msg.contains(needle), "{range}: {msg}");
    }
}

#[test]
fn zip_lengths_must_match() {
    let msg = load_err(&format!(
        "{HEAD}mode = \"zip\"\n[vary]\nseed = [1, 2, 3]\n\"oxygen.km_mmhg\" = [1.0, 2.0]\n"
    ));
    assert!(msg.contains("bad-sweep.toml"), "{msg}");
    assert!(msg.contains("\"seed\" has 3"), "{msg}");
    assert!(msg.contains("\"oxygen.km_mmhg\" has 2"), "{msg}");
}

#[test]
fn file_level_errors() {
    let cases = [
        ("base = \"default\"\n", "schema_version"),
        ("schema_version = 2\nbase = \"default\"\n", "schema_version"),
        ("schema_version = 1\n", "`base`"),
        ("schema_version = 1\nbase = \"missing.toml\"\n", "missing.toml"),
        ("schema_version = 1\nbase = \"default\"\nmode = \"cross\"\n", "`mode`"),
        ("schema_version = 1\nbase = \"default\"\nname = \"a b\"\n", "`name`"),
        ("schema_version = 1\nbase = \"default\"\nbogus = 1\n", "bogus"),
        (
            "schema_version = 1\nbase = \"default\"\n[vary]\n\"grid\" = [1]\n\"grid.spacing_um\" = [1.0]\n",
            "overlaps",
        ),
        (
            "schema_version = 1\nbase = \"default\"\n[vary]\nname = [\"a\"]\n",
            "\"name\"",
        ),
        (
            "schema_version = 1\nbase = \"default\"\n[vary]\n\"seed.x\" = [1]\n",
            "not a table",
        ),
    ];
    for (text, needle) in cases {
        let msg = load_err(text);
        assert!(msg.contains("bad-sweep.toml"), "{text}: {msg}");
        assert!(msg.contains(needle), "{text}: {msg}");
    }
}

#[test]
fn run_count_is_capped() {
    let msg = load_err(&format!(
        "{HEAD}[vary]\na = {{ first = 0, count = 1000 }}\nb = {{ first = 0, count = 1000 }}\n"
    ));
    assert!(msg.contains(&MAX_RUNS.to_string()), "{msg}");
    assert!(msg.contains("1000 × 1000"), "{msg}");
}

#[test]
fn plan_lines_are_one_json_object_per_run() {
    let s = load(&format!(
        "{HEAD}[vary]\nseed = [1, 2]\n\"oxygen.km_mmhg\" = [1.5]\n"
    ));
    let lines = plan_lines(&s);
    assert_eq!(lines.len(), 2);
    for (line, run) in lines.iter().zip(&s.runs) {
        assert!(line.starts_with("{\"index\":"), "{line}");
        assert!(
            line.contains("\"parameters\":{\"seed\":"),
            "[vary] order: {line}"
        );
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["index"], json!(run.index));
        assert_eq!(v["id"], json!(run.id));
        assert_eq!(v["parameters"]["oxygen.km_mmhg"], json!(1.5));
    }
}

#[test]
fn from_toml_takes_its_name_from_the_origin_stem() {
    let s = Sweep::from_toml(
        &format!("{HEAD}[vary]\nseed = [1]\n"),
        "sweeps/o2-seeds.toml",
        Path::new("."),
    )
    .unwrap();
    assert_eq!(s.name, "o2-seeds");
    assert_eq!(s.origin, "sweeps/o2-seeds.toml");
}
