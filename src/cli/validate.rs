//! `oxyfield validate`.

use super::ValidateArgs;
use oxyfield::atomic;
use oxyfield::backend::{self, gpu, BackendChoice, BackendKind, O2Backend};
use oxyfield::output::summary::utc_now_iso8601;
use oxyfield::validate::{self, Check, Mode, Options, Status};
use oxyfield::{Error, Result};
use serde::Serialize;

/// What `--json` writes (fields in the file's alphabetical order).
#[derive(Debug, Serialize)]
struct ValidateJson<'a> {
    adapter: &'a str,
    backend: BackendKind,
    checks: &'a [Check],
    date_utc: String,
    mode: Mode,
    oxyfield_version: &'static str,
    seconds: f64,
}

pub fn validate(args: ValidateArgs) -> Result<()> {
    let mode = if args.full { Mode::Full } else { Mode::Quick };
    super::args::backend_and_adapter(BackendChoice::from(args.backend), args.adapter.as_deref())?;
    let mut main = backend::open(BackendChoice::from(args.backend), args.adapter.as_deref())?;
    let info = main.info();
    // The agreement case needs the other backend: the CPU beside a GPU, or any GPU
    // adapter (a software one included) beside the CPU.
    let mut other: Option<Box<dyn O2Backend>> = if info.kind == BackendKind::Gpu {
        Some(backend::open(BackendChoice::Cpu, None)?)
    } else {
        gpu::GpuContext::open(args.adapter.as_deref(), true)
            .and_then(gpu::GpuBackend::new)
            .ok()
            .map(|g| Box::new(g) as Box<dyn O2Backend>)
    };
    println!(
        "oxyfield {} validate ({mode:?}) on {} [{}]",
        oxyfield::VERSION,
        info.kind,
        info.adapter
    );
    let start = std::time::Instant::now();
    let checks = validate::run(
        main.as_mut(),
        match other.as_mut() {
            Some(b) => Some(b.as_mut()),
            None => None,
        },
        &Options {
            mode,
            perturb: None,
        },
    )?;
    let seconds = start.elapsed().as_secs_f64();
    print!("{}", validate::table(&checks));
    let count = |s| checks.iter().filter(|c| c.status == s).count();
    let (pass, fail, skip) = (
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Skip),
    );
    println!("validate: {pass} passed, {fail} failed, {skip} skipped in {seconds:.1} s");
    if let Some(path) = &args.json {
        let text = oxyfield::output::json::pretty(&ValidateJson {
            adapter: &info.adapter,
            backend: info.kind,
            checks: &checks,
            date_utc: utc_now_iso8601(),
            mode,
            oxyfield_version: oxyfield::VERSION,
            seconds,
        });
        atomic::write(path, text.as_bytes())?;
    }
    if fail > 0 {
        let failed: Vec<String> = checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| format!("{}: {}", c.case, c.quantity))
            .collect();
        return Err(Error::ValidationFailed(format!(
            "{fail} check(s) outside tolerance: {}. See README, \"When a validation case fails\"",
            failed.join("; ")
        )));
    }
    Ok(())
}
