//! Segment flows: taken from the file when every segment carries one, else from a
//! Poiseuille pressure solve with the boundary nodes' pressures (and flows).
//!
//! Kirchhoff at every interior node, Σ G_s (p_i − p_j) = 0, with G_s = πr⁴/(8μL) and a
//! constant apparent viscosity μ; pressure boundary nodes are held, flow boundary nodes
//! add their inflow. The system is symmetric positive definite per connected component
//! that holds a pressure node; it is solved by Jacobi-preconditioned conjugate
//! gradients in f64. Components without a pressure node carry no flow.

use super::network::{BoundaryCondition, Network};
use crate::physics::blood::{poiseuille_conductance, UM3_PER_S_PER_NL_PER_MIN};

/// Flows of every segment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Flows {
    /// Volume flow from `a` to `b` per segment (µm³/s).
    pub(crate) q_um3_per_s: Vec<f64>,
    /// Node pressures (mmHg) when a pressure solve was made.
    pub(crate) pressure_mmhg: Option<Vec<f64>>,
    /// "file" or "pressure solve".
    pub(crate) source: &'static str,
}

/// Why flows could not be found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FlowError {
    /// Neither flows on every segment nor a pressure boundary node.
    NoFlowData,
    /// The pressure solve did not converge.
    NotConverged(f64),
}

impl std::fmt::Display for FlowError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            FlowError::NoFlowData => f.write_str(
                "the network has neither a flow on every segment nor a boundary node with a \
                 pressure, so blood flows cannot be known: add flows or boundary pressures, \
                 or set vessels.transport.mode = \"off\"",
            ),
            FlowError::NotConverged(r) => write!(
                f,
                "the pressure solve stopped at relative residual {r:.1e}; check for segments \
                 with near-zero radius or huge length"
            ),
        }
    }
}

/// Flows of `net`: from the file (× `flow_scale`) when every segment has one, else by a
/// pressure solve with viscosity `viscosity_cp`.
pub(crate) fn flows(net: &Network, flow_scale: f64, viscosity_cp: f64) -> Result<Flows, FlowError> {
    if net.has_flows() {
        return Ok(Flows {
            q_um3_per_s: net
                .segments
                .iter()
                .map(|s| s.flow_nl_per_min.unwrap_or(0.0) * flow_scale * UM3_PER_S_PER_NL_PER_MIN)
                .collect(),
            pressure_mmhg: None,
            source: "file",
        });
    }
    if !net
        .boundary
        .iter()
        .any(|b| matches!(b.condition, BoundaryCondition::Pressure(_)))
    {
        return Err(FlowError::NoFlowData);
    }
    let g: Vec<f64> = net
        .segments
        .iter()
        .map(|s| poiseuille_conductance(s.radius_um, net.length(s), viscosity_cp))
        .collect();
    let p = solve_pressures(net, &g, flow_scale)?;
    let q = net
        .segments
        .iter()
        .zip(&g)
        .map(|(s, &gs)| match (p[s.a], p[s.b]) {
            (Some(pa), Some(pb)) => gs * (pa - pb),
            _ => 0.0,
        })
        .collect();
    Ok(Flows {
        q_um3_per_s: q,
        pressure_mmhg: Some(p.iter().map(|v| v.unwrap_or(f64::NAN)).collect()),
        source: "pressure solve",
    })
}

/// Node pressures; None for nodes in components without a pressure boundary node.
fn solve_pressures(
    net: &Network,
    g: &[f64],
    flow_scale: f64,
) -> Result<Vec<Option<f64>>, FlowError> {
    let n = net.nodes.len();
    let mut fixed: Vec<Option<f64>> = vec![None; n];
    let mut inflow = vec![0.0f64; n];
    for b in &net.boundary {
        match b.condition {
            BoundaryCondition::Pressure(p) => fixed[b.node] = Some(p),
            BoundaryCondition::Flow(q) => {
                inflow[b.node] += q * flow_scale * UM3_PER_S_PER_NL_PER_MIN
            }
        }
    }
    // Components that hold a pressure node.
    let comp = components(net);
    let mut grounded = vec![false; n];
    for i in 0..n {
        if fixed[i].is_some() {
            grounded[comp[i]] = true;
        }
    }
    let active: Vec<bool> = (0..n)
        .map(|i| grounded[comp[i]] && fixed[i].is_none())
        .collect();
    // Adjacency as (neighbour, conductance) lists.
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for (s, &gs) in net.segments.iter().zip(g) {
        adj[s.a].push((s.b, gs));
        adj[s.b].push((s.a, gs));
    }
    let diag: Vec<f64> = adj.iter().map(|l| l.iter().map(|e| e.1).sum()).collect();
    // A·x = b over active nodes; fixed neighbours move to the right-hand side.
    let mut b = vec![0.0f64; n];
    for i in 0..n {
        if active[i] {
            b[i] = inflow[i]
                + adj[i]
                    .iter()
                    .filter_map(|&(j, gs)| fixed[j].map(|p| gs * p))
                    .sum::<f64>();
        }
    }
    let apply = |x: &[f64], out: &mut [f64]| {
        for i in 0..n {
            out[i] = if active[i] {
                diag[i] * x[i]
                    - adj[i]
                        .iter()
                        .filter(|&&(j, _)| active[j])
                        .map(|&(j, gs)| gs * x[j])
                        .sum::<f64>()
            } else {
                0.0
            };
        }
    };
    // Start from the mean fixed pressure.
    let p0 = {
        let f: Vec<f64> = fixed.iter().flatten().copied().collect();
        f.iter().sum::<f64>() / f.len().max(1) as f64
    };
    let mut x: Vec<f64> = (0..n).map(|i| if active[i] { p0 } else { 0.0 }).collect();
    let inv = |i: usize| {
        if active[i] && diag[i] > 0.0 {
            1.0 / diag[i]
        } else {
            0.0
        }
    };
    let mut ax = vec![0.0; n];
    apply(&x, &mut ax);
    let mut r: Vec<f64> = (0..n)
        .map(|i| if active[i] { b[i] - ax[i] } else { 0.0 })
        .collect();
    let bnorm = b
        .iter()
        .map(|v| v * v)
        .sum::<f64>()
        .sqrt()
        .max(diag.iter().map(|d| d * p0.abs()).fold(0.0, f64::max))
        .max(1e-300);
    let mut z: Vec<f64> = (0..n).map(|i| r[i] * inv(i)).collect();
    let mut d = z.clone();
    let mut rz: f64 = r.iter().zip(&z).map(|(a, b)| a * b).sum();
    let mut ad = vec![0.0; n];
    let max_iter = 20 * n + 100;
    let mut rel = r.iter().map(|v| v * v).sum::<f64>().sqrt() / bnorm;
    let mut it = 0;
    while rel > 1e-12 && it < max_iter {
        apply(&d, &mut ad);
        let dad: f64 = d.iter().zip(&ad).map(|(a, b)| a * b).sum();
        if dad <= 0.0 {
            break;
        }
        let alpha = rz / dad;
        for i in 0..n {
            x[i] += alpha * d[i];
            r[i] -= alpha * ad[i];
        }
        for i in 0..n {
            z[i] = r[i] * inv(i);
        }
        let rz_new: f64 = r.iter().zip(&z).map(|(a, b)| a * b).sum();
        let beta = rz_new / rz;
        rz = rz_new;
        for i in 0..n {
            d[i] = z[i] + beta * d[i];
        }
        rel = r.iter().map(|v| v * v).sum::<f64>().sqrt() / bnorm;
        it += 1;
    }
    if rel > 1e-8 {
        return Err(FlowError::NotConverged(rel));
    }
    log::debug!("pressure solve: {it} CG iterations, relative residual {rel:.1e}");
    Ok((0..n)
        .map(|i| {
            if fixed[i].is_some() {
                fixed[i]
            } else if active[i] {
                Some(x[i])
            } else {
                None
            }
        })
        .collect())
}

/// Connected-component label of every node.
pub(crate) fn components(net: &Network) -> Vec<usize> {
    let n = net.nodes.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for s in &net.segments {
        let (ra, rb) = (find(&mut parent, s.a), find(&mut parent, s.b));
        if ra != rb {
            parent[ra] = rb;
        }
    }
    (0..n).map(|i| find(&mut parent, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vessels::{BoundaryNode, Segment};
    use glam::DVec3;

    fn bc(node: usize, p: f64) -> BoundaryNode {
        BoundaryNode {
            node,
            condition: BoundaryCondition::Pressure(p),
            hematocrit: None,
            po2_mmhg: None,
        }
    }

    #[test]
    fn y_junction_conserves_flow_and_splits_by_conductance() {
        // 0 → 1 then 1 → 2 (r 4) and 1 → 3 (r 2), outlets at equal pressure.
        let net = Network {
            nodes: vec![
                DVec3::ZERO,
                DVec3::new(100.0, 0.0, 0.0),
                DVec3::new(200.0, 50.0, 0.0),
                DVec3::new(200.0, -50.0, 0.0),
            ],
            segments: vec![
                Segment::new(0, 1, 5.0, 40.0),
                Segment::new(1, 2, 4.0, 40.0),
                Segment::new(1, 3, 2.0, 40.0),
            ],
            boundary: vec![bc(0, 50.0), bc(2, 10.0), bc(3, 10.0)],
        };
        let f = flows(&net, 1.0, 3.0).unwrap();
        let q = &f.q_um3_per_s;
        assert!(q.iter().all(|&v| v > 0.0));
        assert!((q[0] - q[1] - q[2]).abs() < 1e-9 * q[0]);
        // Equal lengths and pressure drops: the split goes as r⁴ = 256 : 16.
        assert!((q[1] / q[2] - 16.0).abs() < 1e-8);
        // Pressure at node 1 from the series–parallel formula.
        let g = |r: f64, l: f64| poiseuille_conductance(r, l, 3.0);
        let l2 = net.length(&net.segments[1]);
        let (g0, g1, g2) = (g(5.0, 100.0), g(4.0, l2), g(2.0, l2));
        let p1 = (g0 * 50.0 + (g1 + g2) * 10.0) / (g0 + g1 + g2);
        assert!((f.pressure_mmhg.unwrap()[1] - p1).abs() < 1e-9);
    }

    #[test]
    fn flows_from_file_and_missing_data() {
        let mut net = Network {
            nodes: vec![DVec3::ZERO, DVec3::X * 10.0],
            segments: vec![Segment::new(0, 1, 5.0, 40.0)],
            boundary: vec![],
        };
        assert_eq!(flows(&net, 1.0, 3.0), Err(FlowError::NoFlowData));
        net.segments[0].flow_nl_per_min = Some(-6.0);
        let f = flows(&net, 2.0, 3.0).unwrap();
        assert!((f.q_um3_per_s[0] + 12.0 * UM3_PER_S_PER_NL_PER_MIN).abs() < 1e-6);
    }
}
