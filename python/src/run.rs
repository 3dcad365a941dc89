//! `run`: a scenario solved to steady state, or through a protocol, on a chosen backend,
//! with its outputs written to a folder as `oxyfield run --out` writes them (the same
//! library calls, so the same bits). The solve runs on a worker thread without the
//! GIL; the calling thread checks for Ctrl-C (`PyErr_CheckSignals`) and, when it comes,
//! asks the run to stop through `oxyfield::interrupt`, waits for it to stop cleanly, and
//! raises `KeyboardInterrupt`.

use crate::errors::{bad_argument, to_py};
use crate::scenario::PyScenario;
use oxyfield::backend::{BackendChoice, O2Backend};
use oxyfield::config::Scenario;
use oxyfield::protocol::{parse_duration, Protocol};
use oxyfield::therapy::RunOptions;
use oxyfield::{Error, Result};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// How often the calling thread looks for Ctrl-C while a run is going.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Held for the length of a run (see `run`).
static ONE_RUN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `scenario` into `out_dir` (created; an earlier run's outputs there are replaced)
/// on `backend` ("auto", "gpu" or "cpu"; `adapter`: a part of the GPU adapter's name).
/// With `protocol` (a protocol file), or a scenario that names one, the protocol runs;
/// `until` ("36h", "2w") stops it early, as `--until` does. Returns False when the run
/// stopped before the protocol's end, True otherwise.
#[pyfunction]
#[pyo3(signature = (scenario, out_dir, backend = "auto", adapter = None, protocol = None, until = None))]
pub fn run(
    py: Python<'_>,
    scenario: &PyScenario,
    out_dir: PathBuf,
    backend: &str,
    adapter: Option<String>,
    protocol: Option<PathBuf>,
    until: Option<String>,
) -> PyResult<bool> {
    let choice = match backend {
        "auto" => BackendChoice::Auto,
        "gpu" => BackendChoice::Gpu,
        "cpu" => BackendChoice::Cpu,
        other => {
            return Err(bad_argument(
                "backend",
                format!("is \"{other}\"; use \"auto\", \"gpu\" or \"cpu\""),
            ))
        }
    };
    if adapter.is_some() && choice == BackendChoice::Cpu {
        return Err(bad_argument(
            "adapter",
            "names a GPU adapter, but backend is \"cpu\"; use backend=\"gpu\" or \"auto\"",
        ));
    }
    let sc = &scenario.inner;
    let job = Job {
        sc,
        out: &out_dir,
        choice,
        adapter: adapter.as_deref(),
        protocol: protocol.as_deref(),
        until: until.as_deref(),
    };
    // One run at a time in this process: Ctrl-C is one process-wide flag
    // (`oxyfield::interrupt`), so a second run from another Python thread waits here
    // (without the GIL) instead of sharing, or clearing, the first one's stop request.
    let _one_run = loop {
        match ONE_RUN.try_lock() {
            Ok(guard) => break guard,
            Err(std::sync::TryLockError::Poisoned(p)) => break p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                py.check_signals()?;
                py.detach(|| std::thread::sleep(SIGNAL_POLL));
            }
        }
    };
    oxyfield::interrupt::reset();
    let (done, interrupt) = std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel::<()>();
        let worker = s.spawn(move || {
            let r = job.run();
            let _ = tx.send(());
            r
        });
        // A Receiver is not Sync; the lock makes it so for `detach` (only this thread takes it).
        let rx = std::sync::Mutex::new(rx);
        let mut interrupt = None;
        loop {
            let finished = py.detach(|| {
                rx.lock()
                    .map(|rx| rx.recv_timeout(SIGNAL_POLL).is_ok())
                    .unwrap_or(true)
            });
            if finished || worker.is_finished() {
                break;
            }
            if interrupt.is_none() {
                if let Err(e) = py.check_signals() {
                    oxyfield::interrupt::request();
                    interrupt = Some(e);
                }
            }
        }
        (worker.join(), interrupt)
    });
    oxyfield::interrupt::reset();
    let done = done.map_err(|_| PyRuntimeError::new_err("oxyfield: the run panicked"))?;
    match (done, interrupt) {
        // The library's message says where the run stopped and what it kept.
        (Err(e @ Error::Interrupted(_)), _) => Err(to_py(e)),
        (_, Some(e)) => Err(e),
        (r, None) => r.map_err(to_py),
    }
}

/// One run's arguments, checked.
struct Job<'a> {
    sc: &'a Scenario,
    out: &'a Path,
    choice: BackendChoice,
    adapter: Option<&'a str>,
    protocol: Option<&'a Path>,
    until: Option<&'a str>,
}

impl Job<'_> {
    /// What `oxyfield run` does (src/cli/run.rs), without its printing.
    fn run(&self) -> Result<bool> {
        let protocol = match self.protocol {
            Some(path) => Some(Protocol::load(path)?),
            None => self.sc.protocol()?,
        };
        let stop_at_s = self
            .until
            .map(|t| parse_duration(t).map_err(|e| Error::input("until", e)))
            .transpose()?;
        if protocol.is_none() && stop_at_s.is_some() {
            return Err(Error::input(
                "until",
                "applies to protocol runs; give protocol=FILE, or a scenario with a `protocol`",
            ));
        }
        let mut backend = oxyfield::backend::open(self.choice, self.adapter)?;
        oxyfield::atomic::remove_partials(self.out);
        match protocol {
            Some(p) => {
                oxyfield::output::previous::remove_and_say(self.out)?;
                self.run_protocol(&p, backend.as_mut(), stop_at_s)
            }
            None => oxyfield::run::run_scenario(self.sc, backend.as_mut(), self.out).map(|_| true),
        }
    }

    /// A protocol run and its outputs, as `oxyfield run --protocol` makes them.
    fn run_protocol(
        &self,
        protocol: &Protocol,
        backend: &mut dyn O2Backend,
        stop_at_s: Option<f64>,
    ) -> Result<bool> {
        let sc = self.sc;
        let params = oxyfield::therapy::TherapyParams::of(sc);
        for caveat in oxyfield::protocol::advice::caveats(protocol, Some(&params.hif)) {
            log::warn!("{caveat}");
        }
        let options = RunOptions {
            snapshot_dir: Some(self.out),
            checkpoint_dir: Some(self.out),
            resume: None,
            stop_at_s,
            progress: Default::default(),
        };
        let r = oxyfield::therapy::run_protocol(sc, protocol, &params, backend, options)?;
        oxyfield::therapy::output::write(sc, protocol, &backend.info(), &r, self.out)?;
        oxyfield::therapy::check_mass_balance(sc, protocol, &r)?;
        Ok(r.finished)
    }
}
