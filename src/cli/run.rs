//! `oxyfield run`.

use super::RunArgs;
use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::protocol::Protocol;
use crate::Result;
use std::path::Path;

pub fn run(args: RunArgs) -> Result<()> {
    let sc = match &args.scenario {
        Some(path) => Scenario::load(path)?,
        None => Scenario::embedded_default()?,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| crate::run::default_out_dir(&sc));
    let protocol_path = args
        .protocol
        .clone()
        .or_else(|| sc.spec.protocol.as_ref().map(|p| sc.resolve(p)));
    let protocol = protocol_path
        .as_deref()
        .map(crate::protocol::Protocol::load)
        .transpose()?;
    let mut backend = crate::backend::open(args.backend, args.adapter.as_deref())?;
    if let Some(protocol) = protocol {
        return run_protocol(&sc, &protocol, backend.as_mut(), &out);
    }
    let r = crate::run::run_scenario(&sc, backend.as_mut(), &out)?;
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
    println!("outputs in {}", r.out_dir.display());
    Ok(())
}

/// `oxyfield run` with a protocol: the orchestrator, then its outputs.
fn run_protocol(
    sc: &Scenario,
    protocol: &Protocol,
    backend: &mut dyn O2Backend,
    out: &Path,
) -> Result<()> {
    let params = crate::therapy::TherapyParams {
        lq: sc.spec.radiotherapy.lq(),
        tissue: sc.spec.tissue.kinetics(),
    };
    let r = crate::therapy::run_protocol(sc, protocol, &params, backend, Some(out))?;
    crate::therapy::output::write(sc, protocol, &backend.info(), &r, out)?;
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
    Ok(())
}
