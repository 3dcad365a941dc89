//! The bodies of the fuzz targets, one per parser, shared by the libFuzzer targets
//! (`fuzz_targets/*.rs`, nightly + cargo-fuzz) and the stable mutation driver
//! (`src/bin/mutate.rs`).
//!
//! Each target feeds its input to a parser of the `oxyfield` crate and ignores the
//! result: the property is "no panic, no hang, no huge allocation". The value returned
//! is a short description of the outcome ("ok" or the error text), which the stable
//! driver uses as a cheap stand-in for coverage: inputs that give a new kind of error
//! are kept in its corpus.
//!
//! Parsers that only take a path (CSV tables, `.vti`, `.tif`, the `.npy` + `.json`
//! sidecar pair, networks read through a scenario) get their input written to files in
//! a per-process temporary folder first. Inputs made of several files are split at a
//! line holding only `%%` ([`SEP`]).

use oxyfield::config::schema::ProtocolRef;
use oxyfield::config::Scenario;
use oxyfield::grid::Grid;
use oxyfield::npy;
use oxyfield::output::{tiff, vti};
use oxyfield::protocol::Protocol;
use oxyfield::therapy::checkpoint::Checkpoint;
use oxyfield::vessels::formats::{self, csv, greens_params, secomb, vtp, Format, ReadOptions};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A target: its name and its body.
pub type Target = (&'static str, fn(&[u8]) -> String);

/// Every target, in the order the script runs them.
pub const TARGETS: &[Target] = &[
    ("scenario", scenario),
    ("protocol", protocol),
    ("sweep", sweep),
    ("npy", npy),
    ("rundir_field", rundir_field),
    ("secomb", secomb),
    ("greens", greens),
    ("vtp", vtp),
    ("csv", csv),
    ("network_assemble", network_assemble),
    ("checkpoint", checkpoint),
    ("vti", vti),
    ("tiff", tiff),
];

/// Separates the files of a multi-file input: a line holding only `%%`.
pub const SEP: &[u8] = b"\n%%\n";

/// The repository's `assets/` folder (relative paths in seeds resolve against it).
pub fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets")
}

/// A temporary folder of this process, for the targets that read files: under
/// `$OXYFUZZ_TMP`, else `/dev/shm`, else the system's temporary folder.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = scratch_of(std::process::id());
        std::fs::create_dir_all(&d).expect("create the scratch folder");
        d
    })
}

/// The [`scratch`] folder of process `pid` (the stable driver removes those of children
/// that died).
pub fn scratch_of(pid: u32) -> PathBuf {
    // tmpfs when there is one: writing the input to disk otherwise costs more than
    // parsing it (40× fewer execs per second on an overlay /tmp).
    let base = match std::env::var_os("OXYFUZZ_TMP") {
        Some(d) => PathBuf::from(d),
        None if Path::new("/dev/shm").is_dir() => PathBuf::from("/dev/shm"),
        None => std::env::temp_dir(),
    };
    base.join(format!("oxyfield-fuzz-{pid}"))
}

/// Removes [`scratch`] (the stable driver calls it at the end).
pub fn remove_scratch() {
    let _ = std::fs::remove_dir_all(scratch());
}

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let p = scratch().join(name);
    std::fs::write(&p, bytes).expect("write to the scratch folder");
    p
}

/// Splits `data` into at most `n` parts at [`SEP`].
pub fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() + 1 < n {
        match rest.windows(SEP.len()).position(|w| w == SEP) {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + SEP.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

fn outcome<T>(r: oxyfield::Result<T>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => e.to_string(),
    }
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Scenario TOML: `Scenario::from_toml`, then what a run asks of it first (grid,
/// parameters, an inline `[protocol]`).
pub fn scenario(data: &[u8]) -> String {
    let Some(t) = text(data) else {
        return "utf8".into();
    };
    let base = assets().join("scenarios");
    match Scenario::from_toml(t, "fuzz.toml", "fuzz", base) {
        Ok(sc) => {
            let _ = sc.grid();
            let _ = sc.o2_params();
            let _ = sc.solve_options();
            // A protocol file is read from disk: only inline ones, so that no input
            // makes the target open an arbitrary path.
            if let Some(ProtocolRef::Inline(_)) = &sc.spec.protocol {
                return format!("ok; protocol: {}", outcome(sc.protocol()));
            }
            "ok".into()
        }
        Err(e) => e.to_string(),
    }
}

/// Protocol TOML: `Protocol::from_toml`.
pub fn protocol(data: &[u8]) -> String {
    let Some(t) = text(data) else {
        return "utf8".into();
    };
    outcome(Protocol::from_toml(
        t,
        "fuzz.toml",
        &assets().join("protocols"),
    ))
}

/// The folder sweep inputs are read from: copies of the scenario and sweep seeds, so
/// that `base = "spheroid.toml"` or `"small_base.toml"` names a real scenario.
fn sweep_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = scratch().join("sweep");
        std::fs::create_dir_all(&d).expect("create the sweep folder");
        for t in ["scenario", "sweep"] {
            let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(t);
            for e in std::fs::read_dir(src).into_iter().flatten().flatten() {
                let _ = std::fs::copy(e.path(), d.join(e.file_name()));
            }
        }
        d
    })
}

/// Sweep TOML: `Sweep::from_toml`, then the resolved scenario of its first runs.
pub fn sweep(data: &[u8]) -> String {
    use oxyfield::batch::sweep::Sweep;
    let Some(t) = text(data) else {
        return "utf8".into();
    };
    let dir = sweep_dir();
    // `base` names a file to read: allow "default" and plain file names only (resolved in
    // sweep_dir), so that no input makes the target read an arbitrary path (a device, a
    // huge file).
    if let Ok(table) = toml::from_str::<toml::Table>(t) {
        if let Some(toml::Value::String(b)) = table.get("base") {
            let plain = !b.is_empty() && !b.contains(['/', '\\', '\0']) && b != "." && b != "..";
            if b != "default" && !plain {
                return "base is not a plain file name".into();
            }
        }
    }
    match Sweep::from_toml(t, "fuzz.toml", dir) {
        Ok(sw) => {
            let mut out = format!("ok, {} runs", sw.runs.len().min(10));
            for run in sw.runs.iter().take(3) {
                let _ = sw.scenario_toml(run);
                out.push_str("; ");
                out.push_str(&outcome(sw.scenario(run)));
            }
            out
        }
        Err(e) => e.to_string(),
    }
}

/// `.npy`: `npy::parse_header` on the bytes, then `npy::read_field` of them as a file,
/// against a 4 × 4 × 4 grid and against the grid of the header's own shape.
pub fn npy(data: &[u8]) -> String {
    let h = match npy::parse_header(data, Path::new("fuzz.npy")) {
        Ok(h) => h,
        Err(e) => return e.to_string(),
    };
    let p = write("field.npy", data);
    let mut out = outcome(npy::read_field(&p, &Grid::from_shape_zyx([4, 4, 4], 10.0)));
    if let [nz, ny, nx] = h.shape[..] {
        // The header's shape, as `rundir::load_field` takes it from the sidecar (that
        // path, with no cap, is the `rundir_field` target); capped here so that this
        // target exercises the data checks rather than Grid::len.
        // Every size ≥ 1, as a scenario's grid (checked there) always is.
        let n = nz.checked_mul(ny).and_then(|v| v.checked_mul(nx));
        if nz > 0 && ny > 0 && nx > 0 && n.is_some_and(|n| n <= 1 << 20) {
            let g = Grid::from_shape_zyx([nz, ny, nx], 10.0);
            out.push_str("; ");
            out.push_str(&outcome(npy::read_field(&p, &g)));
        }
    }
    out
}

/// A run folder's field: `NAME.json` sidecar `%%` `NAME.npy`, read by
/// `rundir::load_field` (what `oxyfield render` does).
pub fn rundir_field(data: &[u8]) -> String {
    let parts = split(data, 2);
    let (json, arr) = (parts[0], parts.get(1).copied().unwrap_or(b""));
    write("rf.json", json);
    let p = write("rf.npy", arr);
    outcome(oxyfield::rundir::load_field(&p))
}

fn read_options(data: &[u8]) -> ReadOptions {
    // The last byte picks the VTK options, so that both radius names and diameters
    // are reached.
    let k = data.last().copied().unwrap_or(0);
    ReadOptions {
        radius_array: (k & 1 == 1).then(|| "radius".to_string()),
        radius_array_is_diameter: k & 2 == 2,
        segments_csv: None,
        default_blood_po2_mmhg: 40.0,
    }
}

/// Secomb `network.dat`: `secomb::parse`, then `Network::check` (what `formats::read`
/// does after it).
pub fn secomb(data: &[u8]) -> String {
    let Some(t) = text(data) else {
        return "utf8".into();
    };
    match secomb::parse(t, Path::new("fuzz.dat"), &ReadOptions::default()) {
        Ok(net) => match net.check() {
            Ok(()) => "ok".into(),
            Err(m) => m,
        },
        Err(e) => e.to_string(),
    }
}

/// GreensV4 parameter files: the text read as a `SoluteParams.dat` (and its values
/// converted) and as an `IntravascRes.dat` for solutes 1 to 3.
pub fn greens(data: &[u8]) -> String {
    let Some(t) = text(data) else {
        return "utf8".into();
    };
    let file = Path::new("fuzz.dat");
    let mut out = outcome(greens_params::parse_solute_params(t, file).map(|g| g.conversions(3e-5)));
    for solute in 1..=3 {
        out.push_str(" | ");
        out.push_str(&outcome(greens_params::parse_intravasc_res(t, file, solute)));
    }
    out
}

/// VTK XML PolyData: `vtp::parse`, then `Network::check`.
pub fn vtp(data: &[u8]) -> String {
    match vtp::parse(data, Path::new("fuzz.vtp"), &read_options(data)) {
        Ok(net) => match net.check() {
            Ok(()) => "ok".into(),
            Err(m) => m,
        },
        Err(e) => e.to_string(),
    }
}

/// CSV tables: nodes `%%` segments [`%%` boundary], written as `net_nodes.csv`,
/// `net_segments.csv` and `net_boundary.csv`, read by `formats::read`.
pub fn csv(data: &[u8]) -> String {
    let parts = split(data, 3);
    let nodes = write("net_nodes.csv", parts[0]);
    write("net_segments.csv", parts.get(1).copied().unwrap_or(b""));
    let boundary = scratch().join("net_boundary.csv");
    match parts.get(2) {
        Some(b) => {
            write("net_boundary.csv", b);
        }
        None => {
            let _ = std::fs::remove_file(&boundary);
        }
    }
    let _ = csv::input_tables(&nodes, &ReadOptions::default());
    outcome(formats::read(
        &nodes,
        Some(Format::Csv),
        &ReadOptions::default(),
    ))
}

/// Scenario of the `network_assemble` target: a 8 × 16 × 16 block of 10 µm voxels, the
/// network centred in it, blood O2 transport "auto" (on when the file has flows or
/// boundary pressures).
const ASSEMBLE_SCENARIO: &str = r#"
name = "fuzz"
[grid]
shape_zyx = [8, 16, 16]
spacing_um = 10.0
[vessels.network]
file = "NETWORK"
center = true
[vessels.transport]
mode = "auto"
"#;

/// A network file (Secomb `.dat`, or `.vtp` when it starts with `<`) read through a
/// scenario and turned into the O2 problem by `assemble::assemble`: placement in the
/// block, wall map (rasterisation), lumen, flows and blood O2 transport.
pub fn network_assemble(data: &[u8]) -> String {
    let xml = data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    let p = write(if xml { "assemble.vtp" } else { "assemble.dat" }, data);
    let toml = ASSEMBLE_SCENARIO.replace("NETWORK", &p.display().to_string());
    let sc = match Scenario::from_toml(&toml, "fuzz.toml", "fuzz", scratch().to_path_buf()) {
        Ok(sc) => sc,
        Err(e) => panic!("the fixed scenario of network_assemble is refused: {e}"),
    };
    match oxyfield::assemble::assemble(&sc) {
        Ok(a) => format!(
            "ok {} {}",
            a.vessel_source,
            a.vessels.as_ref().is_some_and(|v| v.transport.is_some())
        ),
        Err(e) => e.to_string(),
    }
}

/// `checkpoint.bin`: `Checkpoint::decode` of the bytes as they are, and, when they start
/// like a checkpoint, of the bytes with a valid checksum appended (so that mutations
/// reach the decoder behind the checksum; seeds are stored without their checksum).
pub fn checkpoint(data: &[u8]) -> String {
    let file = Path::new("checkpoint.bin");
    let raw = outcome(Checkpoint::decode(data, file));
    if data.starts_with(b"oxyfield checkpoint\n") {
        let mut fixed = data.to_vec();
        fixed.extend_from_slice(&oxyfield::hash::fnv1a(data).to_le_bytes());
        return format!("{raw}; {}", outcome(Checkpoint::decode(&fixed, file)));
    }
    raw
}

/// VTK ImageData `.vti` (what `oxyfield render` reads back): `vti::read_vti`.
pub fn vti(data: &[u8]) -> String {
    let p = write("f.vti", data);
    outcome(vti::read_vti(&p))
}

/// Float32 TIFF stacks: `tiff::read_tiff`.
pub fn tiff(data: &[u8]) -> String {
    let p = write("f.tif", data);
    outcome(tiff::read_tiff(&p))
}
