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
    let attended = std::io::stderr().is_terminal();
    let report = run_batch(
        &sweep,
        &runs,
        backend.as_mut(),
        &out,
        args.skip_existing,
        |k, total, run| {
            let line = format!(
                "[{}/{}] {} {}",
                k + 1,
                total,
                run.id,
                short(&run.parameters)
            );
            if attended {
                eprintln!("{line}");
            } else {
                log::info!("{line}");
            }
        },
    )?;
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
        Some(text) => {
            let v: Vec<f64> = text
                .split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect();
            match v[..] {
                [lo, hi] if lo < hi => [lo, hi],
                _ => {
                    return Err(Error::input(
                        "--limits",
                        format!("`{text}`: write two numbers, low then high, e.g. 0,100"),
                    ))
                }
            }
        }
    };
    let c = collect_dir(&args.dir, limits)?;
    println!("{} ({} scenarios)", c.csv.display(), c.scenarios);
    if let Some(m) = c.montage {
        println!("{}", m.display());
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
