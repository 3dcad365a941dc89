//! `oxyfield plan`, `oxyfield batch` and `oxyfield collect`.

use super::{BatchArgs, CollectArgs, PlanArgs};
use crate::batch::collect::collect as collect_dir;
use crate::batch::run::run_batch;
use crate::batch::sweep::{parse_shard, plan_lines, shard_from_env, Sweep};
use crate::{Error, Result};
use std::io::{IsTerminal, Write};

/// The shard a command asks for: the flag, else Slurm's array task, else all (0 of 1).
fn shard(flag: Option<&str>) -> Result<(usize, usize)> {
    match flag {
        Some(text) => parse_shard(text),
        None => Ok(shard_from_env()?.unwrap_or((0, 1))),
    }
}

pub fn plan(args: PlanArgs) -> Result<()> {
    let sweep = Sweep::load(&args.sweep)?;
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
    let sweep = Sweep::load(&args.sweep)?;
    let (i, n) = shard(args.shard.as_deref())?;
    let runs = sweep.shard(i, n);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| std::path::Path::new("oxyfield-out").join(&sweep.name));
    let mut backend = crate::backend::open(args.backend, args.adapter.as_deref())?;
    let attended = std::io::stderr().is_terminal() && log::log_enabled!(log::Level::Info);
    let started = std::time::Instant::now();
    // On a terminal the bar replaces each scenario's solver log lines (the manifests
    // keep the timings); warnings still show.
    let level = log::max_level();
    if attended {
        log::set_max_level(log::LevelFilter::Warn);
    }
    let report = run_batch(
        &sweep,
        &runs,
        backend.as_mut(),
        &out,
        args.skip_existing,
        |k, total, run| {
            let what = format!("{} {}", run.id, short(&run.parameters));
            if attended {
                progress_bar(k, total, started.elapsed().as_secs_f64(), &what);
            } else {
                log::info!("[{}/{}] {what}", k + 1, total);
            }
        },
    )?;
    log::set_max_level(level);
    if attended {
        eprintln!();
    }
    println!(
        "{}: shard {i}/{n}: {} scenarios run, {} already finished, {:.1} s ({} backend); \
         results in {}",
        sweep.name,
        report.ran,
        report.skipped,
        report.seconds,
        backend.info().kind,
        out.display()
    );
    if args.collect {
        let c = collect_dir(&out, [0.0, 100.0])?;
        println!("{} ({} scenarios)", c.csv.display(), c.scenarios);
    }
    Ok(())
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
    Ok(())
}

/// One line, redrawn: a bar over the scenarios done, the ETA, and the scenario now
/// running.
fn progress_bar(done: usize, total: usize, elapsed_s: f64, what: &str) {
    let width = 24;
    let filled = (done * width) / total.max(1);
    let eta = if done > 0 {
        format!(
            "ETA {:.0} s",
            elapsed_s / done as f64 * (total - done) as f64
        )
    } else {
        "ETA -".to_string()
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r[{}{}] {}/{} {eta}  {what}\x1b[K",
        "#".repeat(filled),
        "-".repeat(width - filled),
        done + 1,
        total
    );
    let _ = err.flush();
}

/// Parameters in one short line.
fn short(p: &serde_json::Map<String, serde_json::Value>) -> String {
    p.iter()
        .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
        .collect::<Vec<_>>()
        .join(" ")
}
