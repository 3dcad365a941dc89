//! Blood O2 along the network (MODEL.md §1, "Intravascular oxygen").
//!
//! Segments are marched in flow order, ring by ring ([`SegmentRings`]). Over a ring of wall
//! area A next to tissue at mean pO2 P̄, the content falls by what the wall passes:
//!
//! ```text
//! Q·(C(Pb) − C_in) = −αt·Pw·A·(Pb − P̄)      (implicit in Pb: stable for any Q, A)
//! ```
//!
//! solved exactly for Pb (the left side is increasing in Pb). At a node, the blood
//! leaving shares one pO2, the one whose content carries away the O2 arriving
//! (Σ_out Q·C(P, Hd_out) = Σ_in Q·C_in). Wherever more blood leaves a node than enters
//! it through segments, the difference enters from outside at the boundary node's pO2
//! and haematocrit (else the segment's own blood pO2); wherever more enters than leaves,
//! it leaves the network there. So O2 is conserved by construction: inflow − outflow =
//! Σ wall fluxes, and the tissue receives exactly those fluxes through the same rings.
//! Haematocrit is the file's where given, else carried with the red-cell flux from
//! upstream (no phase separation at bifurcations).

use super::flow::Flows;
use super::network::Network;
use super::segment_rings::SegmentRings;
use crate::physics::blood::BloodParams;

/// Flows below this fraction of the largest count as no flow (µm³/s ratio).
const NO_FLOW: f64 = 1e-12;

/// The blood side after one march.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BloodState {
    /// Blood pO2 of every ring (mmHg), in [`SegmentRings`] order.
    pub(crate) ring_pb: Vec<f64>,
    /// pO2 entering each segment, upstream end (mmHg).
    pub(crate) segment_po2_in: Vec<f64>,
    /// pO2 leaving each segment, downstream end (mmHg).
    pub(crate) segment_po2_out: Vec<f64>,
    /// O2 passed to the tissue by each segment (µm³ O2/s).
    pub(crate) segment_delivered: Vec<f64>,
    /// O2 entering the network with blood (µm³ O2/s).
    pub(crate) inflow: f64,
    /// O2 leaving the network with blood (µm³ O2/s).
    pub(crate) outflow: f64,
}

impl BloodState {
    /// Σ of what the segments passed to the tissue (µm³ O2/s).
    pub(crate) fn delivered(&self) -> f64 {
        self.segment_delivered.iter().sum()
    }
}

/// The network's flow graph, set up once for repeated marches.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    blood: BloodParams,
    pw: f64,
    /// |Q| per segment (µm³/s); 0 for no flow.
    q: Vec<f64>,
    /// True when blood runs from b to a.
    reversed: Vec<bool>,
    /// Haematocrit per segment.
    hd: Vec<f64>,
    /// Nodes in flow order (upstream first).
    order: Vec<usize>,
    /// Segments leaving / entering each node (in flow direction).
    out_of: Vec<Vec<usize>>,
    into: Vec<Vec<usize>>,
    /// Inflow pO2 and haematocrit given at boundary nodes.
    bc_po2: Vec<Option<f64>>,
    bc_hd: Vec<Option<f64>>,
    /// Fixed blood pO2 of each segment (the fallback inflow pO2).
    fixed_pb: Vec<f64>,
    /// Outlet content of each segment from the previous march (used inside flow cycles).
    prev_c_out: Vec<f64>,
    /// The rings of each segment, in the order of the blood pO2 per ring.
    segments: SegmentRings,
}

impl Transport {
    /// Sets up the flow graph of `net` with `flows`; `default_hd` where no haematocrit
    /// is given; `pw` the wall permeability (µm/s); `segments` the rings of each
    /// segment (the wall map's), which the march walks.
    pub(crate) fn new(
        net: &Network,
        flows: &Flows,
        blood: BloodParams,
        pw: f64,
        default_hd: f64,
        segments: SegmentRings,
    ) -> Self {
        let n = net.nodes.len();
        let qmax = flows.q_um3_per_s.iter().fold(0.0f64, |m, q| m.max(q.abs()));
        let q: Vec<f64> = flows
            .q_um3_per_s
            .iter()
            .map(|&v| {
                if v.abs() > NO_FLOW * qmax {
                    v.abs()
                } else {
                    0.0
                }
            })
            .collect();
        let reversed: Vec<bool> = flows.q_um3_per_s.iter().map(|&v| v < 0.0).collect();
        let mut out_of = vec![Vec::new(); n];
        let mut into = vec![Vec::new(); n];
        for (s, seg) in net.segments.iter().enumerate() {
            if q[s] > 0.0 {
                let (up, down) = if reversed[s] {
                    (seg.b, seg.a)
                } else {
                    (seg.a, seg.b)
                };
                out_of[up].push(s);
                into[down].push(s);
            }
        }
        // Kahn's order over nodes; nodes left in cycles go last.
        let mut indeg: Vec<usize> = into.iter().map(Vec::len).collect();
        let mut order: Vec<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
        let mut head = 0;
        while head < order.len() {
            let i = order[head];
            head += 1;
            for &s in &out_of[i] {
                let seg = &net.segments[s];
                let down = if reversed[s] { seg.a } else { seg.b };
                indeg[down] -= 1;
                if indeg[down] == 0 {
                    order.push(down);
                }
            }
        }
        let has_cycles = order.len() < n;
        if has_cycles {
            log::warn!(
                "blood flow has {} nodes in flow cycles; their inflow is taken from the \
                 previous coupling iteration",
                n - order.len()
            );
            let mut seen = vec![false; n];
            for &i in &order {
                seen[i] = true;
            }
            order.extend((0..n).filter(|&i| !seen[i]));
        }
        let mut bc_po2 = vec![None; n];
        let mut bc_hd = vec![None; n];
        for b in &net.boundary {
            bc_po2[b.node] = b.po2_mmhg;
            bc_hd[b.node] = b.hematocrit;
        }
        // Haematocrit: the file's where given, else carried from upstream with the red
        // cell flux (no phase separation at bifurcations).
        let mut hd: Vec<f64> = vec![default_hd; net.segments.len()];
        for &node in &order {
            let (mut q_in, mut rbc) = (0.0, 0.0);
            for &s in &into[node] {
                q_in += q[s];
                rbc += q[s] * hd[s];
            }
            let q_out: f64 = out_of[node].iter().map(|&s| q[s]).sum();
            if q_out > q_in {
                let entering = bc_hd[node].unwrap_or(default_hd);
                rbc += (q_out - q_in) * entering;
                q_in = q_out;
            }
            let mixed = if q_in > 0.0 { rbc / q_in } else { default_hd };
            for &s in &out_of[node] {
                hd[s] = net.segments[s].hematocrit.unwrap_or(mixed);
            }
        }
        let fixed_pb: Vec<f64> = net.segments.iter().map(|s| s.blood_po2_mmhg).collect();
        let prev_c_out = net
            .segments
            .iter()
            .zip(&fixed_pb)
            .map(|(s, &p)| blood.content(p, s.hematocrit.unwrap_or(default_hd)))
            .collect();
        Transport {
            blood,
            pw,
            q,
            reversed,
            hd,
            order,
            out_of,
            into,
            bc_po2,
            bc_hd,
            fixed_pb,
            prev_c_out,
            segments,
        }
    }

    /// The rings of each segment, in the order of the blood pO2 per ring.
    pub(crate) fn segments(&self) -> &SegmentRings {
        &self.segments
    }

    /// The discharge haematocrit each segment carries: the network's where given, else
    /// mixed from upstream (or the default), as the march uses it.
    pub(crate) fn hematocrit(&self) -> &[f64] {
        &self.hd
    }

    /// Marches blood through the network from each ring's (wall area µm², area-weighted
    /// mean tissue pO2 mmHg), however they were gathered (on the backend:
    /// `crate::backend::gather`; on the host in the tests).
    pub(crate) fn march_rings(&mut self, rings: &[(f64, f64)]) -> BloodState {
        let b = self.blood;
        let ns = self.q.len();
        let mut st = BloodState {
            ring_pb: vec![0.0; self.segments.rings()],
            segment_po2_in: vec![0.0; ns],
            segment_po2_out: vec![0.0; ns],
            segment_delivered: vec![0.0; ns],
            inflow: 0.0,
            outflow: 0.0,
        };
        let mut c_out: Vec<Option<f64>> = vec![None; ns];
        for &node in &self.order {
            // What arrives through segments: O2 flux, flow and red-cell flux.
            let (mut q_in, mut flux_in, mut rbc_in) = (0.0, 0.0, 0.0);
            for &s in &self.into[node] {
                q_in += self.q[s];
                flux_in += self.q[s] * c_out[s].unwrap_or(self.prev_c_out[s]);
                rbc_in += self.q[s] * self.hd[s];
            }
            let q_out: f64 = self.out_of[node].iter().map(|&s| self.q[s]).sum();
            let mut leaving = 0.0;
            if q_out > q_in {
                // Blood enters the network here.
                let (po2, hd) = self.inflow_state(node);
                let extra = q_out - q_in;
                let c_bc = b.content(po2, hd);
                st.inflow += extra * c_bc;
                flux_in += extra * c_bc;
                rbc_in += extra * hd;
                q_in = q_out;
            } else {
                leaving = q_in - q_out;
            }
            if q_in <= 0.0 {
                continue;
            }
            let hd_mix = rbc_in / q_in;
            // All blood leaving the node shares one pO2: the one that carries the
            // arriving O2 away, Σ_out Q·C(P, Hd_out) = Σ_in Q·C_in (increasing in P).
            let outs = &self.out_of[node];
            let p_node = b.solve_increasing(
                |p| {
                    outs.iter()
                        .map(|&s| self.q[s] * b.content(p, self.hd[s]))
                        .sum::<f64>()
                        + leaving * b.content(p, hd_mix)
                        - flux_in
                },
                |p| {
                    outs.iter()
                        .map(|&s| self.q[s] * b.content_slope(p, self.hd[s]))
                        .sum::<f64>()
                        + leaving * b.content_slope(p, hd_mix)
                },
            );
            st.outflow += leaving * b.content(p_node, hd_mix);
            for &s in outs {
                let c_in = b.content(p_node, self.hd[s]);
                c_out[s] = Some(self.march_segment(s, c_in, rings, &mut st));
            }
        }
        // Segments without flow: blood at the tissue's pO2, no exchange.
        for s in (0..ns).filter(|&s| self.q[s] == 0.0) {
            let mut mean = (0.0, 0.0);
            for r in self.segments.rings_of(s) {
                let (a, p) = rings[r];
                st.ring_pb[r] = p;
                mean = (mean.0 + a, mean.1 + a * p);
            }
            let p = if mean.0 > 0.0 {
                mean.1 / mean.0
            } else {
                self.fixed_pb[s]
            };
            st.segment_po2_in[s] = p;
            st.segment_po2_out[s] = p;
        }
        for (s, c) in c_out.into_iter().enumerate() {
            if let Some(c) = c {
                self.prev_c_out[s] = c;
            }
        }
        st
    }

    /// pO2 and haematocrit of blood entering at `node`: the boundary node's pO2 (else
    /// the mean fixed pO2 of the segments leaving it), and the flow-weighted
    /// haematocrit of those segments, so that entering blood never carries more O2
    /// than their red cells can hold.
    fn inflow_state(&self, node: usize) -> (f64, f64) {
        let outs = &self.out_of[node];
        let po2 = self.bc_po2[node].unwrap_or_else(|| {
            outs.iter().map(|&s| self.fixed_pb[s]).sum::<f64>() / outs.len().max(1) as f64
        });
        let q: f64 = outs.iter().map(|&s| self.q[s]).sum();
        let hd = if q > 0.0 {
            outs.iter().map(|&s| self.q[s] * self.hd[s]).sum::<f64>() / q
        } else {
            self.bc_hd[node].unwrap_or(0.0)
        };
        (po2, hd)
    }

    /// Marches segment `s` from inlet content `c_in`; returns the outlet content.
    fn march_segment(
        &self,
        s: usize,
        c_in: f64,
        rings_at: &[(f64, f64)],
        st: &mut BloodState,
    ) -> f64 {
        let (b, q, hd) = (self.blood, self.q[s], self.hd[s]);
        let rings = self.segments.rings_of(s);
        st.segment_po2_in[s] = b.po2_of_content(c_in, hd);
        let mut c = c_in;
        let mut delivered = 0.0;
        let mut step = |r: usize, c: &mut f64| {
            let (area, p_t) = rings_at[r];
            let k = b.alpha_tissue * self.pw * area;
            let rhs = q * *c + k * p_t;
            let pb = b.solve_increasing(
                |x| q * b.content(x, hd) + k * x - rhs,
                |x| q * b.content_slope(x, hd) + k,
            );
            let flux = k * (pb - p_t);
            *c -= flux / q;
            delivered += flux;
            st.ring_pb[r] = pb;
        };
        if self.reversed[s] {
            for r in rings.rev() {
                step(r, &mut c);
            }
        } else {
            for r in rings {
                step(r, &mut c);
            }
        }
        st.segment_delivered[s] = delivered;
        st.segment_po2_out[s] = b.po2_of_content(c, hd);
        c
    }
}
