//! `oxyfield run`.

use super::RunArgs;
use crate::config::Scenario;
use crate::Result;

pub fn run(args: RunArgs) -> Result<()> {
    let sc = match &args.scenario {
        Some(path) => Scenario::load(path)?,
        None => Scenario::embedded_default()?,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| crate::run::default_out_dir(&sc));
    let mut backend = crate::backend::open(args.backend, args.adapter.as_deref())?;
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
