//! Running a sweep's scenarios one after another on one backend (one device, its
//! pipelines built once), each into its own folder `OUT/ID/`, written under
//! `OUT/.ID.partial/` and renamed into place when complete, with `manifest.json`
//! last. A folder with a manifest is finished: `--skip-existing` skips it, so a batch
//! killed part-way resumes where it stopped and never leaves a half-written `OUT/ID/`.

use super::sweep::{Sweep, SweepRun};
use crate::atomic;
use crate::backend::O2Backend;
use crate::output::summary::utc_now_iso8601;
use crate::therapy::{self, RunOptions, TherapyParams};
use crate::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// File that marks a finished scenario folder.
pub(crate) const MANIFEST: &str = "manifest.json";

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchReport {
    /// Scenarios run.
    pub ran: usize,
    /// Scenarios skipped because they were finished.
    pub skipped: usize,
    /// Wall time (s).
    pub seconds: f64,
    /// Workers that ran scenarios concurrently.
    pub workers: usize,
}

/// Where a batch writes and what it records of itself.
#[derive(Debug, Clone, Copy)]
pub struct BatchPlan<'a> {
    /// The sweep the runs come from.
    pub sweep: &'a Sweep,
    /// The output folder.
    pub out: &'a Path,
    /// Leave finished folders alone.
    pub skip_existing: bool,
    /// The shard (index, count) these runs are, recorded in each manifest.
    pub shard: (usize, usize),
}

/// A scenario about to start, for progress reports.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'r> {
    /// Scenarios finished so far (run or skipped).
    pub done: usize,
    /// Scenarios in this batch.
    pub total: usize,
    /// The worker starting it.
    pub worker: usize,
    /// The scenario.
    pub run: &'r SweepRun,
}

/// The folder of a run's results.
pub(crate) fn run_dir(out: &Path, run: &SweepRun) -> PathBuf {
    out.join(&run.id)
}

/// True when `dir` holds a finished scenario (its manifest).
pub(crate) fn finished(dir: &Path) -> bool {
    dir.join(MANIFEST).is_file()
}

/// Runs `runs` with `workers` concurrent workers, worker `w` on the backend
/// `open(w)` gives (opened once, in the worker's thread, and reused for all of its
/// scenarios). Workers take the next scenario from one shared queue, so a slow
/// scenario does not hold the others back. After a failure the other workers finish
/// the scenario they are on and stop; the first error is returned. `progress` is
/// called as each scenario starts.
pub fn run_batch(
    plan: BatchPlan<'_>,
    runs: &[&SweepRun],
    workers: usize,
    open: &(dyn Fn(usize) -> Result<Box<dyn O2Backend>> + Sync),
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<BatchReport> {
    std::fs::create_dir_all(plan.out).map_err(|e| Error::io(plan.out, e))?;
    let start = Instant::now();
    let workers = workers.clamp(1, runs.len().max(1));
    let next = AtomicUsize::new(0);
    let ran = AtomicUsize::new(0);
    let skipped = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let fail = |e: Error| {
        stop.store(true, Ordering::SeqCst);
        let mut slot = first_error.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(e);
    };
    std::thread::scope(|scope| {
        for worker in 0..workers {
            let (next, ran, skipped, stop, fail) = (&next, &ran, &skipped, &stop, &fail);
            scope.spawn(move || {
                let mut backend = match open(worker) {
                    Ok(b) => b,
                    Err(e) => return fail(e),
                };
                while !stop.load(Ordering::SeqCst) && !crate::interrupt::requested() {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    let Some(run) = runs.get(k) else { break };
                    if plan.skip_existing && finished(&run_dir(plan.out, run)) {
                        skipped.fetch_add(1, Ordering::SeqCst);
                        continue;
                    }
                    progress(Progress {
                        done: ran.load(Ordering::SeqCst) + skipped.load(Ordering::SeqCst),
                        total: runs.len(),
                        worker,
                        run,
                    });
                    if let Err(e) = run_one(plan, run, backend.as_mut()) {
                        return fail(e);
                    }
                    ran.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    let (ran, skipped) = (ran.into_inner(), skipped.into_inner());
    let error = first_error.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Some(Error::Interrupted(_)) | None = error {
        if crate::interrupt::requested() {
            return Err(Error::Interrupted(format!(
                "the batch stopped with {} of {} scenarios finished ({ran} run now); the \
                 scenarios it was running left only hidden .ID.partial folders; continue \
                 with the same command and --skip-existing",
                ran + skipped,
                runs.len()
            )));
        }
    }
    if let Some(e) = error {
        return Err(e);
    }
    Ok(BatchReport {
        ran,
        skipped,
        seconds: start.elapsed().as_secs_f64(),
        workers,
    })
}

/// Runs one scenario into `OUT/.ID.partial/`, writes its manifest, and renames the
/// folder to `OUT/ID/` (replacing an older one).
pub(crate) fn run_one(
    plan: BatchPlan<'_>,
    run: &SweepRun,
    backend: &mut dyn O2Backend,
) -> Result<PathBuf> {
    let (sweep, out) = (plan.sweep, plan.out);
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
    let manifest = Manifest {
        adapter: &info.adapter,
        backend: info.kind,
        id: &run.id,
        index: run.index,
        kind,
        oxyfield_version: crate::VERSION,
        parameters: &run.parameters,
        scenario_toml: sweep.scenario_toml(run),
        seconds: t0.elapsed().as_secs_f64(),
        seed: sc.spec.seed,
        shard: format!("{}/{}", plan.shard.0, plan.shard.1),
        slurm: slurm_job(),
        started_utc: started,
        sweep: &sweep.name,
        sweep_origin: &sweep.origin,
    };
    let text = crate::output::json::pretty(&manifest);
    atomic::write(&partial.join(MANIFEST), text.as_bytes())?;
    let dir = run_dir(out, run);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    }
    std::fs::rename(&partial, &dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir)
}

/// A run's manifest: what ran, where and when (fields in the file's alphabetical
/// order; `parameters` are the `[vary]` values as the sweep gave them).
#[derive(Debug, Serialize)]
struct Manifest<'a> {
    adapter: &'a str,
    backend: crate::backend::BackendKind,
    id: &'a str,
    index: usize,
    kind: &'static str,
    oxyfield_version: &'static str,
    parameters: &'a serde_json::Map<String, serde_json::Value>,
    scenario_toml: String,
    seconds: f64,
    seed: u64,
    shard: String,
    slurm: Option<SlurmJob>,
    started_utc: String,
    sweep: &'a str,
    sweep_origin: &'a str,
}

/// The manifest's `slurm`: the Slurm job and array task a run ran in.
#[derive(Debug, Serialize)]
struct SlurmJob {
    array_job_id: Option<String>,
    array_task_id: Option<String>,
    job_id: String,
    node: Option<String>,
}

/// The Slurm job and array task this process runs in, if any (for the manifest).
fn slurm_job() -> Option<SlurmJob> {
    let var = |k: &str| std::env::var(k).ok();
    Some(SlurmJob {
        job_id: var("SLURM_JOB_ID")?,
        array_job_id: var("SLURM_ARRAY_JOB_ID"),
        array_task_id: var("SLURM_ARRAY_TASK_ID"),
        node: var("SLURMD_NODENAME"),
    })
}
