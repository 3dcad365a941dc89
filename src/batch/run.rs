//! Running a sweep's scenarios one after another on one backend (one device, its
//! pipelines built once), each into its own folder `OUT/ID/`, written under
//! `OUT/.ID.partial/` and renamed into place when complete, with `manifest.json`
//! last. A folder with a manifest is finished: `--skip-existing` skips it, so a batch
//! killed part-way resumes where it stopped and never leaves a half-written `OUT/ID/`.

use super::sweep::{Sweep, SweepRun};
use crate::backend::O2Backend;
use crate::output::{atomic, summary::utc_now_iso8601};
use crate::therapy::{self, RunOptions, TherapyParams};
use crate::{Error, Result};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// File that marks a finished scenario folder.
pub const MANIFEST: &str = "manifest.json";

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchReport {
    /// Scenarios run.
    pub ran: usize,
    /// Scenarios skipped because they were finished.
    pub skipped: usize,
    /// Wall time (s).
    pub seconds: f64,
}

/// The folder of a run's results.
pub fn run_dir(out: &Path, run: &SweepRun) -> PathBuf {
    out.join(&run.id)
}

/// True when `dir` holds a finished scenario (its manifest).
pub fn finished(dir: &Path) -> bool {
    dir.join(MANIFEST).is_file()
}

/// Runs `runs` of `sweep` into `out` on `backend`; with `skip_existing`, finished
/// folders are left alone. `progress` is called before each run with
/// (position, total, run).
pub fn run_batch(
    sweep: &Sweep,
    runs: &[&SweepRun],
    backend: &mut dyn O2Backend,
    out: &Path,
    skip_existing: bool,
    mut progress: impl FnMut(usize, usize, &SweepRun),
) -> Result<BatchReport> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let start = Instant::now();
    let mut report = BatchReport::default();
    for (k, run) in runs.iter().enumerate() {
        let dir = run_dir(out, run);
        if skip_existing && finished(&dir) {
            report.skipped += 1;
            continue;
        }
        progress(k, runs.len(), run);
        run_one(sweep, run, backend, out)?;
        report.ran += 1;
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// Runs one scenario into `OUT/.ID.partial/`, writes its manifest, and renames the
/// folder to `OUT/ID/` (replacing an older one).
pub fn run_one(
    sweep: &Sweep,
    run: &SweepRun,
    backend: &mut dyn O2Backend,
    out: &Path,
) -> Result<PathBuf> {
    let sc = sweep.scenario(run)?;
    let partial = out.join(format!(".{}.partial", run.id));
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    }
    std::fs::create_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
    let started = utc_now_iso8601();
    let t0 = Instant::now();
    let kind = match sc.protocol()? {
        Some(protocol) => {
            let params = TherapyParams::of(&sc);
            let options = RunOptions {
                snapshot_dir: Some(&partial),
                ..RunOptions::default()
            };
            let r = therapy::run_protocol(&sc, &protocol, &params, backend, options)?;
            therapy::output::write(&sc, &protocol, &backend.info(), &r, &partial)?;
            "protocol"
        }
        None => {
            crate::run::run_scenario(&sc, backend, &partial)?;
            "steady"
        }
    };
    let info = backend.info();
    let manifest = json!({
        "oxyfield_version": crate::VERSION,
        "sweep": sweep.name,
        "sweep_origin": sweep.origin,
        "index": run.index,
        "id": run.id,
        "parameters": run.parameters,
        "seed": sc.spec.seed,
        "kind": kind,
        "backend": info.kind,
        "adapter": info.adapter,
        "started_utc": started,
        "seconds": t0.elapsed().as_secs_f64(),
        "scenario_toml": sweep.scenario_toml(run),
    });
    let text = serde_json::to_string_pretty(&manifest).expect("JSON of plain values");
    atomic::write(&partial.join(MANIFEST), text.as_bytes())?;
    let dir = run_dir(out, run);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    }
    std::fs::rename(&partial, &dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir)
}
