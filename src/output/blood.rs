//! Blood O2 results: the per-segment table `network_blood.csv` and the
//! `vessels.transport` block of `summary.json`.

use crate::assemble::{TransportSetup, VesselNetwork};
use crate::metrics::MassBalance;
use crate::physics::blood::UM3_PER_S_PER_NL_PER_MIN;
use crate::vessels::coupling::CouplingReport;
use crate::vessels::segment_rings::SegmentRings;
use crate::vessels::transport::BloodState;
use crate::vessels::Network;
use serde::Serialize;
use std::fmt::Write;

/// One row per segment: geometry, flow (in the a → b sense), the discharge haematocrit
/// the blood O2 transport used, blood pO2 where blood enters and leaves the segment,
/// and the O2 it passes to the tissue.
pub(crate) fn segment_table(v: &VesselNetwork, blood: &BloodState) -> String {
    let mut out = String::from(
        "segment,from,to,radius_um,length_um,flow_nl_per_min,hematocrit,po2_in_mmhg,\
         po2_out_mmhg,o2_delivered_nl_per_min\n",
    );
    let t = v.transport.as_ref();
    for (s, seg) in v.net.segments.iter().enumerate() {
        let q = t.map_or(0.0, |t| t.flows.q_um3_per_s[s]) / UM3_PER_S_PER_NL_PER_MIN;
        let _ = writeln!(
            out,
            "{s},{},{},{},{:.6},{:.6e},{},{:.4},{:.4},{:.6e}",
            seg.a,
            seg.b,
            seg.radius_um,
            v.net.length(seg),
            q,
            // The haematocrit the march used (given, or mixed from upstream), so the
            // column is never empty where the network gave none.
            seg.hematocrit
                .or(t.map(|t| t.transport.hematocrit()[s]))
                .map_or_else(String::new, |h| format!("{h:.6}")),
            blood.segment_po2_in[s],
            blood.segment_po2_out[s],
            blood.segment_delivered[s] / UM3_PER_S_PER_NL_PER_MIN,
        );
    }
    out
}

/// Mean blood pO2 of each segment over its rings (mmHg); the segment's fixed value when
/// it has no ring.
pub(crate) fn segment_mean_po2(
    net: &Network,
    segments: &SegmentRings,
    ring_pb: &[f64],
) -> Vec<f64> {
    (0..net.segments.len())
        .map(|s| {
            let r = segments.rings_of(s);
            if r.is_empty() {
                net.segments[s].blood_po2_mmhg
            } else {
                ring_pb[r.clone()].iter().sum::<f64>() / r.len() as f64
            }
        })
        .collect()
}

/// The `vessels.transport` block of `summary.json` (beside `"enabled": true`): O2
/// fluxes in nl O2/min, the coupling loop, and the balance inflow − outflow − (what
/// the tissue took through the walls), relative to the inflow. Fields in the file's
/// alphabetical order.
#[derive(Debug, Serialize)]
pub(crate) struct TransportBlock {
    balance_relative_error: f64,
    blood_po2_mmhg: BloodPo2Block,
    converged: bool,
    coupling_iterations: u32,
    flow_source: Option<&'static str>,
    max_change_mmhg: f64,
    o2_consumed_nl_per_min: f64,
    o2_delivered_nl_per_min: f64,
    o2_inflow_nl_per_min: f64,
    o2_outflow_nl_per_min: f64,
    tissue_seconds: f64,
    tissue_sweep_equivalents: f64,
}

/// `vessels.transport.blood_po2_mmhg`: over the segments' mean blood pO2.
#[derive(Debug, Serialize)]
struct BloodPo2Block {
    max: f64,
    mean_length_weighted: f64,
    min: f64,
}

/// The `vessels.transport` summary (see [`TransportBlock`]) of the transport `t` on
/// `net`.
pub fn summary(
    net: &Network,
    t: &TransportSetup,
    blood: &BloodState,
    coupling: &CouplingReport,
    mass: &MassBalance,
    alpha_tissue: f64,
) -> TransportBlock {
    let nl = |x: f64| x / UM3_PER_S_PER_NL_PER_MIN;
    let consumed = mass.consumption * alpha_tissue;
    let balance = balance_relative_error(blood, mass, alpha_tissue);
    let means = segment_mean_po2(net, t.transport.segments(), &blood.ring_pb);
    let (mut lo, mut hi, mut sum_l, mut sum) = (f64::INFINITY, 0.0f64, 0.0, 0.0);
    for (s, seg) in net.segments.iter().enumerate() {
        let l = net.length(seg);
        lo = lo.min(means[s]);
        hi = hi.max(means[s]);
        sum_l += l;
        sum += l * means[s];
    }
    TransportBlock {
        balance_relative_error: balance,
        blood_po2_mmhg: BloodPo2Block {
            max: hi,
            mean_length_weighted: if sum_l > 0.0 { sum / sum_l } else { 0.0 },
            min: if lo.is_finite() { lo } else { 0.0 },
        },
        converged: coupling.converged,
        coupling_iterations: coupling.iterations,
        flow_source: Some(t.flows.source),
        max_change_mmhg: coupling.max_change_mmhg,
        o2_consumed_nl_per_min: nl(consumed),
        o2_delivered_nl_per_min: nl(blood.delivered()),
        o2_inflow_nl_per_min: nl(blood.inflow),
        o2_outflow_nl_per_min: nl(blood.outflow),
        tissue_seconds: coupling.seconds,
        tissue_sweep_equivalents: coupling.sweep_equivalents,
    }
}

/// |blood O2 in − out − net wall exchange| / in: what the blood gives must be what the
/// tissue receives (0 with no inflow).
pub(crate) fn balance_relative_error(
    blood: &BloodState,
    mass: &MassBalance,
    alpha_tissue: f64,
) -> f64 {
    let taken = mass.vessel_net() * alpha_tissue;
    if blood.inflow > 0.0 {
        (blood.inflow - blood.outflow - taken).abs() / blood.inflow
    } else {
        0.0
    }
}
