//! `oxyfield plan`, `oxyfield batch` and `oxyfield collect`.

use super::progress::Bar;
use super::{BatchArgs, CollectArgs, PlanArgs};
use oxyfield::backend::{BackendChoice, BackendKind};
use oxyfield::batch::collect::collect as collect_dir;
use oxyfield::batch::run::{run_batch, BatchPlan, Progress};
use oxyfield::batch::sweep::{parse_shard, plan_lines, shard_from_env, Sweep};
use oxyfield::{Error, Result};
use std::io::Write;
use std::sync::Mutex;

/// The shard a command asks for: the flag, else Slurm's array task, else all (0 of 1).
fn shard(flag: Option<&str>) -> Result<(usize, usize)> {
    match flag {
        Some(text) => parse_shard(text),
        None => Ok(shard_from_env()?.unwrap_or((0, 1))),
    }
}

pub fn plan(args: PlanArgs) -> Result<()> {
    let sweep = Sweep::load(&args.sweep)?;
    sweep.check_runs()?;
    let (i, n) = shard(args.shard.as_deref())?;
    let lines = plan_lines(&sweep);
    let mut stdout = std::io::stdout().lock();
    for run in sweep.shard(i, n) {
        // A reader that stops early (`| head`) is not an error.
        match writeln!(stdout, "{}", lines[run.index]) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(Error::io("standard output", e)),
            Ok(()) => {}
        }
    }
    Ok(())
}

pub fn batch(args: BatchArgs) -> Result<()> {
    super::args::backend_and_adapter(BackendChoice::from(args.backend), args.adapter.as_deref())?;
    let sweep = Sweep::load(&args.sweep)?;
    sweep.check_runs()?;
    let (i, n) = shard(args.shard.as_deref())?;
    let runs = sweep.shard(i, n);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| std::path::Path::new("oxyfield-out").join(&sweep.name));
    super::args::out_dir("--out", &out)?;
    let devices = match &args.devices {
        None => None,
        Some(spec) => Some(parse_devices(spec, BackendChoice::from(args.backend))?),
    };
    let jobs = args.jobs.max(1);
    let workers = devices.as_ref().map_or(1, Vec::len) * jobs;
    let opened: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let open = |w: usize| {
        let backend = match &devices {
            Some(list) => oxyfield::backend::open_device(list[w % list.len()])?,
            None => {
                oxyfield::backend::open(BackendChoice::from(args.backend), args.adapter.as_deref())?
            }
        };
        let info = backend.info();
        let what = match info.kind {
            BackendKind::Cpu => "cpu".to_string(),
            kind => format!("{kind}: {}", info.adapter),
        };
        let mut seen = opened.lock().unwrap_or_else(|p| p.into_inner());
        if !seen.contains(&what) {
            seen.push(what);
        }
        Ok(backend)
    };
    // On a terminal the bar replaces each scenario's solver log lines (the manifests
    // keep the timings); warnings still show.
    let bar = Bar::for_batch(runs.len());
    let level = log::max_level();
    if bar.is_some() {
        log::set_max_level(log::LevelFilter::Warn);
    }
    let plan = BatchPlan {
        sweep: &sweep,
        out: &out,
        skip_existing: args.skip_existing,
        shard: (i, n),
    };
    let report = run_batch(plan, &runs, workers, &open, &|p: Progress<'_>| {
        let mut what = format!("{} {}", p.run.id, short(&p.run.parameters));
        if workers > 1 {
            what.push_str(&format!(" (worker {})", p.worker));
        }
        match &bar {
            Some(bar) => bar.scenario(p.done, &what),
            None => log::info!("[{}/{}] {what}", p.done + 1, p.total),
        }
    });
    drop(bar);
    log::set_max_level(level);
    let report = report?;
    let on = opened.into_inner().unwrap_or_else(|p| p.into_inner());
    println!(
        "{}: shard {i}/{n}: {} scenarios run, {} already finished, {:.1} s, {} worker{} on {}; \
         results in {}",
        sweep.name,
        report.ran,
        report.skipped,
        report.seconds,
        report.workers,
        if report.workers == 1 { "" } else { "s" },
        if on.is_empty() {
            "-".to_string()
        } else {
            on.join(" | ")
        },
        out.display()
    );
    if args.collect {
        let c = collect_dir(&out, [0.0, 100.0])?;
        println!("{} ({} scenarios)", c.csv.display(), c.scenarios);
    }
    Ok(())
}

/// `--devices all|0,1`: the adapters (numbered as `oxyfield devices` prints them) to run
/// one worker each on.
fn parse_devices(spec: &str, backend: BackendChoice) -> Result<Vec<usize>> {
    if backend == BackendChoice::Cpu {
        return Err(Error::input(
            "--devices",
            "it picks GPU adapters, but --backend is cpu; drop one of them (use \
             --jobs K for several CPU workers)",
        ));
    }
    let list = if spec.trim() == "all" {
        oxyfield::backend::gpu::distinct_devices()
    } else {
        let count = oxyfield::backend::gpu::adapters().len();
        let mut list = Vec::new();
        for part in spec.split(',') {
            let k: usize = part.trim().parse().map_err(|_| {
                Error::input(
                    "--devices",
                    format!(
                        "\"{part}\" is not an adapter number; give \"all\" \
                     or numbers from `oxyfield devices`, e.g. --devices 0,1"
                    ),
                )
            })?;
            if k >= count {
                return Err(Error::input(
                    "--devices",
                    format!(
                        "there is no adapter {k} ({count} found); see \
                     `oxyfield devices`"
                    ),
                ));
            }
            if !list.contains(&k) {
                list.push(k);
            }
        }
        list
    };
    if list.is_empty() {
        return Err(Error::Gpu(format!(
            "--devices {spec}: no GPU adapters found (is a Vulkan, Metal or DX12 driver \
             installed?); drop --devices to use the CPU backend"
        )));
    }
    Ok(list)
}

pub fn collect(args: CollectArgs) -> Result<()> {
    let limits = match &args.limits {
        None => [0.0, 100.0],
        Some(text) => super::render::parse_pair(text, "--limits")?,
    };
    let c = collect_dir(&args.dir, limits)?;
    println!("{} ({} scenarios)", c.csv.display(), c.scenarios);
    if let Some(m) = c.montage {
        println!("{}", m.display());
    }
    for p in &c.plots {
        println!("{}", p.display());
    }
    Ok(())
}

/// Parameters in one short line.
fn short(p: &serde_json::Map<String, serde_json::Value>) -> String {
    p.iter()
        .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
        .collect::<Vec<_>>()
        .join(" ")
}
