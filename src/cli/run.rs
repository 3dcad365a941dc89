//! `oxyfield run`.

use super::progress::Bar;
use super::RunArgs;
use oxyfield::backend::BackendChoice;
use oxyfield::backend::O2Backend;
use oxyfield::config::Scenario;
use oxyfield::protocol::{parse_duration, Protocol};
use oxyfield::therapy::checkpoint::{self, Checkpoint};
use oxyfield::therapy::progress::{OnProgress, Progress};
use oxyfield::therapy::RunOptions;
use oxyfield::{Error, Result};
use std::path::Path;

pub fn run(args: RunArgs) -> Result<()> {
    super::args::backend_and_adapter(BackendChoice::from(args.backend), args.adapter.as_deref())?;
    let sc = match &args.scenario {
        Some(path) => Scenario::load(path)?,
        None => Scenario::embedded_default()?,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| oxyfield::run::default_out_dir(&sc));
    let protocol = match &args.protocol {
        Some(path) => Some(Protocol::load(path)?),
        None => sc.protocol()?,
    };
    let stop_at_s = args
        .until
        .as_deref()
        .map(|t| parse_duration(t).map_err(|e| Error::input("--until", e)))
        .transpose()?;
    if protocol.is_none() {
        for (flag, given) in [("--resume", args.resume), ("--until", args.until.is_some())] {
            if given {
                return Err(Error::input(
                    flag,
                    "applies to protocol runs; give --protocol FILE, or a scenario with a \
                     `protocol`",
                ));
            }
        }
    }
    super::args::out_dir("--out", &out)?;
    let mut backend =
        oxyfield::backend::open(BackendChoice::from(args.backend), args.adapter.as_deref())?;
    let stale = oxyfield::atomic::remove_partials(&out);
    if stale > 0 {
        log::info!(
            "removed {stale} unfinished file(s) (*.partial) an interrupted run left in {}",
            out.display()
        );
    }
    if let Some(protocol) = protocol {
        if !args.resume {
            oxyfield::output::previous::remove_and_say(&out)?;
        }
        return run_protocol(
            &sc,
            &protocol,
            backend.as_mut(),
            &out,
            args.resume,
            stop_at_s,
        );
    }
    let r = oxyfield::run::run_scenario(&sc, backend.as_mut(), &out)?;
    let hf = r.stats.hypoxic_fraction;
    println!(
        "{}: median pO2 {:.1} mmHg (mean {:.1}); hypoxic fraction <0.5: {:.1} %, <2.5: {:.1} %, \
         <5: {:.1} %, <10: {:.1} %; mass balance error {:.1e}",
        sc.name,
        r.stats.median,
        r.stats.mean,
        100.0 * hf[0],
        100.0 * hf[1],
        100.0 * hf[2],
        100.0 * hf[3],
        r.mass.relative_error
    );
    if let Some(ros) = &r.ros {
        let st = &ros.stats;
        println!(
            "{}: ROS mean {:.4} µM (95th percentile {:.4}, max {:.4}); {:.1} % of tissue above \
             {} µM; mean GSH {:.2} mM; ROS balance error {:.1e}",
            sc.name,
            st.mean,
            st.p95,
            st.max,
            100.0 * st.damage_fraction,
            st.damage_threshold,
            st.gsh_mean,
            ros.balance.relative_error
        );
    }
    if !r.not_converged.is_empty() {
        println!(
            "{}: NOT CONVERGED, kept because solver.allow_unconverged = true: {} (summary.json \
             not_converged)",
            sc.name,
            r.not_converged.join("; ")
        );
    }
    println!("outputs in {}", r.out_dir.display());
    Ok(())
}

/// `oxyfield run` with a protocol: the orchestrator, then its outputs.
fn run_protocol(
    sc: &Scenario,
    protocol: &Protocol,
    backend: &mut dyn O2Backend,
    out: &Path,
    resume: bool,
    stop_at_s: Option<f64>,
) -> Result<()> {
    let params = oxyfield::therapy::TherapyParams::of(sc);
    for caveat in oxyfield::protocol::advice::caveats(protocol, Some(&params.hif)) {
        log::warn!("{caveat}");
    }
    let resume = if resume {
        Some(Checkpoint::read(out)?)
    } else {
        let old = out.join(checkpoint::FILE_NAME);
        if old.exists() {
            log::warn!(
                "starting at t = 0: {} from an earlier run will be replaced (add --resume to \
                 continue that run instead)",
                old.display()
            );
        }
        None
    };
    // On a terminal a bar instead of the log's line per step; cleared before anything
    // else prints, an error included.
    let bar = Bar::for_protocol(protocol.duration_s);
    let on_step = |p: Progress<'_>| {
        if let Some(bar) = &bar {
            bar.protocol(p);
        }
    };
    let options = RunOptions {
        snapshot_dir: Some(out),
        checkpoint_dir: Some(out),
        resume,
        stop_at_s,
        progress: match &bar {
            Some(_) => OnProgress::new(&on_step),
            None => OnProgress::default(),
        },
    };
    let r = oxyfield::therapy::run_protocol(sc, protocol, &params, backend, options);
    drop(bar);
    let r = r?;
    // Stopped early (--until): the outputs so far, marked partial in summary.json.
    oxyfield::therapy::output::write(sc, protocol, &backend.info(), &r, out)?;
    if r.not_converged.1 > 0 {
        println!(
            "{}: NOT CONVERGED, kept because solver.allow_unconverged = true: {} solve(s) \
             (summary.json not_converged)",
            sc.name, r.not_converged.1
        );
    }
    if !r.finished {
        println!(
            "{} with {}: stopped at t = {:.1} h of {:.1} h; timeline, summary and fields so \
             far (partial) in {}; state in {}; continue with the same command and --resume",
            sc.name,
            protocol.name,
            r.time_s / 3600.0,
            protocol.duration_s / 3600.0,
            out.display(),
            out.join(checkpoint::FILE_NAME).display()
        );
        return Ok(());
    }
    let (a, b) = (&r.rows[0], &r.rows[r.rows.len() - 1]);
    println!(
        "{} with {}: {:.0} h in {} steps; median pO2 {:.1} → {:.1} mmHg; hypoxic fraction <2.5: \
         {:.1} → {:.1} %; viable {:.3} → {:.3}; log10 cell kill {:.2}",
        sc.name,
        protocol.name,
        b.time_h,
        r.rows.len() - 1,
        a.median_po2_mmhg,
        b.median_po2_mmhg,
        100.0 * a.hypoxic_fraction[1],
        100.0 * b.hypoxic_fraction[1],
        a.viable_fraction,
        b.viable_fraction,
        b.log10_cell_kill
    );
    println!("outputs in {}", out.display());
    // A final state that breaks the O2 balance is not a result to rely on: its outputs
    // are written (a long run is not thrown away) and marked, and the run fails.
    oxyfield::therapy::check_mass_balance(sc, protocol, &r)?;
    Ok(())
}
