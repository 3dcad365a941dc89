//! The blocks of a protocol run's `summary.json` made from the protocol and the
//! scenario: `drugs[]`, `parameters` (radiotherapy, tissue kinetics, HIF) and
//! `windows[]`. Fields are declared in the order the file lists its keys
//! (alphabetical); key names are a contract with users' scripts.

use crate::config::Scenario;
use crate::output::timeline;
use crate::physics::radiotherapy::OerModel;
use crate::protocol::Protocol;
use serde::Serialize;
use std::collections::BTreeMap;

/// `drugs[]`: what was given, how its transport was stepped, and where it ended.
#[derive(Debug, Serialize)]
pub(super) struct DrugBlock<'a> {
    doses_h: Vec<f64>,
    exposure_um_h: f64,
    infusion_minutes: f64,
    kill_per_um_h: f64,
    log10_kill: f64,
    name: &'a str,
    plasma_cmax_um: f64,
    preset: &'a str,
    scheme: &'static str,
    time_step_s: f64,
}

/// `parameters`: the radiation and tissue-kinetics parameters of the run.
#[derive(Debug, Serialize)]
pub(super) struct Parameters {
    hif: HifBlock,
    radiotherapy: RadiotherapyBlock,
    ros_kill_per_um_h: f64,
    tissue: TissueBlock,
}

/// `parameters.hif`.
#[derive(Debug, Serialize)]
struct HifBlock {
    angiogenesis_per_day: f64,
    angiogenesis_threshold: f64,
    antioxidant_upregulation: f64,
    glycolytic_switch: f64,
    hill: f64,
    k_mmhg: f64,
    tau_down_s: f64,
    tau_up_s: f64,
}

/// `parameters.radiotherapy`.
#[derive(Debug, Serialize)]
struct RadiotherapyBlock {
    alpha_per_gy: f64,
    beta_per_gy2: f64,
    oer: OerBlock,
}

/// `parameters.radiotherapy.oer`: `model` names which, beside its parameters.
#[derive(Debug, Serialize)]
#[serde(tag = "model", rename_all = "lowercase")]
enum OerBlock {
    Single {
        oer_k_mmhg: f64,
        oer_max: f64,
    },
    Separate {
        oer_alpha: f64,
        oer_beta: f64,
        oer_k_mmhg: f64,
    },
}

/// `parameters.tissue`.
#[derive(Debug, Serialize)]
struct TissueBlock {
    clearance_half_life_h: f64,
    doubling_time_h: f64,
    growth_k_mmhg: f64,
    mitotic_delay_h: f64,
    necrosis_po2_mmhg: f64,
    necrosis_rate_per_h: f64,
}

/// `windows[]`: one intervention window, with its effect's values by protocol key.
#[derive(Debug, Serialize)]
pub(super) struct WindowBlock {
    effect: BTreeMap<&'static str, f64>,
    end_h: f64,
    kind: &'static str,
    start_h: f64,
}

/// Per drug of `protocol`, with where it ended in the `last` row (`drugs[].*`).
pub(super) fn drugs<'a>(protocol: &'a Protocol, last: &timeline::Row) -> Vec<DrugBlock<'a>> {
    protocol
        .drugs
        .iter()
        .zip(&last.drugs)
        .map(|(d, end)| {
            let p = &d.params;
            DrugBlock {
                doses_h: d.times_s.iter().map(|t| t / 3600.0).collect(),
                exposure_um_h: end.exposure_um_h,
                infusion_minutes: p.pk.infusion_s / 60.0,
                kill_per_um_h: p.kill_per_um_h,
                log10_kill: end.log10_kill,
                name: &d.name,
                plasma_cmax_um: p.pk.cmax_um,
                preset: &d.preset,
                scheme: "backward Euler, one linear multigrid solve per field and step",
                time_step_s: p.time_step_s,
            }
        })
        .collect()
}

/// The radiation and tissue-kinetics parameters of the run, as `summary.json` records
/// them (`parameters.radiotherapy.*`, `parameters.tissue.*`, `parameters.hif.*`).
pub(super) fn parameters(sc: &Scenario) -> Parameters {
    let lq = sc.spec.radiotherapy.lq();
    let oer = match lq.oer {
        OerModel::Single(e) => OerBlock::Single {
            oer_k_mmhg: e.k_mmhg,
            oer_max: e.m,
        },
        OerModel::Separate {
            oer_alpha,
            oer_beta,
            k_mmhg,
        } => OerBlock::Separate {
            oer_alpha,
            oer_beta,
            oer_k_mmhg: k_mmhg,
        },
    };
    let k = sc.spec.tissue.kinetics();
    let h = sc.spec.hif.effects();
    Parameters {
        hif: HifBlock {
            angiogenesis_per_day: h.angiogenesis_per_day,
            angiogenesis_threshold: h.angiogenesis_threshold,
            antioxidant_upregulation: h.antioxidant_upregulation,
            glycolytic_switch: h.glycolytic_switch,
            hill: h.params.hill,
            k_mmhg: h.params.k_mmhg,
            tau_down_s: h.params.tau_down_s,
            tau_up_s: h.params.tau_up_s,
        },
        radiotherapy: RadiotherapyBlock {
            alpha_per_gy: lq.alpha_per_gy,
            beta_per_gy2: lq.beta_per_gy2,
            oer,
        },
        ros_kill_per_um_h: sc.spec.ros.kill_per_um_h,
        tissue: TissueBlock {
            clearance_half_life_h: k.clearance_half_life_h,
            doubling_time_h: k.doubling_time_h,
            growth_k_mmhg: k.growth_k_mmhg,
            mitotic_delay_h: k.mitotic_delay_h,
            necrosis_po2_mmhg: k.necrosis_po2_mmhg,
            necrosis_rate_per_h: k.necrosis_rate_per_h,
        },
    }
}

/// The protocol's intervention windows (`windows[].*`).
pub(super) fn windows(protocol: &Protocol) -> Vec<WindowBlock> {
    protocol
        .windows
        .iter()
        .map(|w| WindowBlock {
            effect: w.effect.values().into_iter().collect(),
            end_h: w.end_s / 3600.0,
            kind: w.effect.table(),
            start_h: w.start_s / 3600.0,
        })
        .collect()
}
