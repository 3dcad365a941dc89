//! Tissue O2 coupled with blood O2 along the network: fixed-point iteration between the
//! steady tissue solve (vessel pO2 held) and the blood march (tissue pO2 held), with
//! Anderson acceleration of the vessel pO2 (depth 5, damped by the relaxation), until
//! no ring's blood pO2 changes by more than the tolerance. Each tissue solve starts
//! from the previous field, which stays on the backend between iterations; the wall
//! pO2 is gathered at the rings there and the blood pO2 spread into Pb there
//! ([`crate::backend::gather`]), so only values per ring cross.

use super::transport::{BloodState, Transport};
use super::WallMap;
use crate::backend::gather::CsrFields;
use crate::backend::Field;
use crate::backend::O2Backend;
use crate::problem::O2Problem;
use crate::solver::host::Uploaded;
use crate::solver::{SolveOptions, SolveReport};
use crate::Result;

/// Options of the coupling loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CouplingOptions {
    /// Stop when the largest change of a ring's blood pO2 is below this (mmHg).
    pub(crate) tolerance_mmhg: f64,
    /// Most coupling iterations.
    pub(crate) max_iterations: u32,
    /// Fraction of the new vessel pO2 taken each iteration, in (0, 1].
    pub(crate) relaxation: f64,
}

/// How the coupling went.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CouplingReport {
    /// Tissue solves made.
    pub(crate) iterations: u32,
    /// Whether the vessel pO2 settled within the tolerance and every tissue solve
    /// converged.
    pub(crate) converged: bool,
    /// Largest ring pO2 change at the last iteration (mmHg).
    pub(crate) max_change_mmhg: f64,
    /// Largest ring pO2 change per iteration (mmHg).
    pub(crate) history: Vec<f64>,
    /// Σ sweep-equivalents over all tissue solves.
    pub(crate) sweep_equivalents: f64,
    /// Σ seconds over all tissue solves.
    pub(crate) seconds: f64,
}

/// The coupled solution.
#[derive(Debug, Clone)]
pub(crate) struct Coupled {
    /// The last tissue solve.
    pub(crate) report: SolveReport,
    /// The coupling loop.
    pub(crate) coupling: CouplingReport,
    /// The blood after the last march (consistent with the final tissue field).
    pub(crate) blood: BloodState,
    /// The tissue field.
    pub(crate) po2: Vec<f32>,
}

/// Solves tissue and blood together. `problem.pb` is rewritten from the ring pO2 each
/// iteration (Sv stays); `ring_pb` is the starting vessel pO2 per ring. The tissue
/// problem goes to the backend once as resident fields, and per iteration only values
/// per ring cross (see `couple`). The wall map is given up as soon as its rows and
/// ring areas are taken, before the transpose, the upload and the first tissue solve:
/// the loop reads only the rings of each segment on the host.
pub(crate) fn solve_coupled(
    backend: &mut dyn O2Backend,
    problem: &mut O2Problem,
    wall: WallMap,
    transport: &mut Transport,
    ring_pb: Vec<f64>,
    opts: &SolveOptions,
    copts: &CouplingOptions,
) -> Result<Coupled> {
    problem.pb = wall.pb_map(&problem.grid, &ring_pb);
    // On the CPU the problem's arrays are lent, not copied, and come back at the end
    // (Pb as the coupling left it), on every path.
    let start = problem.initial_guess();
    let tissue = Uploaded::lend(backend, problem, start)?;
    let rings = match RingFields::new(backend, wall, problem.grid.len()) {
        Ok(r) => r,
        Err(e) => {
            let _ = tissue.release(backend, problem);
            return Err(e);
        }
    };
    let out = couple(
        backend, problem, &tissue, &rings, transport, ring_pb, opts, copts,
    );
    rings.free(backend);
    let back = tissue.release(backend, problem);
    let out = out?;
    back?;
    Ok(out)
}

/// The coupling's fields on the backend besides the tissue problem: the rings as rows of
/// voxels (to gather the wall pO2) and the voxels as rows of rings (to spread the
/// blood pO2 into Pb), and one value per ring each way.
struct RingFields {
    rings: CsrFields,
    voxels: CsrFields,
    ring_pb: Field,
    ring_po2: Field,
    /// Exchange area of each ring (µm²): its wall area × its conductance over the
    /// reference permeability.
    areas: Vec<f64>,
}

impl RingFields {
    /// Makes the fields from `wall`, which goes as soon as its rows are taken, before
    /// the transpose: the map, the rows and the transpose are never held together.
    fn new(backend: &mut dyn O2Backend, wall: WallMap, voxels: usize) -> Result<Self> {
        let by_ring = wall.ring_rows();
        let n = wall.rings();
        let areas = (0..n).map(|r| wall.ring_area(r)).collect();
        drop(wall);
        let by_voxel = by_ring.transpose(voxels);
        let mut made: Vec<Field> = Vec::new();
        // The host matrices are given up as they go (on the CPU they become the fields),
        // so that at most one copy of each exists.
        let out = (|| -> Result<RingFields> {
            let rings = by_ring.into_fields(backend)?;
            made.extend([rings.row_start, rings.col, rings.weight]);
            let voxels = by_voxel.into_fields(backend)?;
            made.extend([voxels.row_start, voxels.col, voxels.weight]);
            let ring_pb = backend.field_alloc(n, "coupling.ring_pb")?;
            made.push(ring_pb);
            let ring_po2 = backend.field_alloc(n, "coupling.ring_po2")?;
            Ok(RingFields {
                rings,
                voxels,
                ring_pb,
                ring_po2,
                areas,
            })
        })();
        if out.is_err() {
            for f in made {
                backend.field_free(f);
            }
        }
        out
    }

    fn free(self, backend: &mut dyn O2Backend) {
        self.rings.free(backend);
        self.voxels.free(backend);
        backend.field_free(self.ring_pb);
        backend.field_free(self.ring_po2);
    }
}

/// The coupling loop of [`solve_coupled`] on the uploaded `tissue` problem: per
/// iteration the rings' blood pO2 goes up and is spread into Pb on the backend, the
/// tissue is solved there, and the wall pO2 of each ring comes back (a value per ring,
/// not the field), for the blood march on the host. The field and Pb come back once,
/// at the end.
#[allow(clippy::too_many_arguments)]
fn couple(
    backend: &mut dyn O2Backend,
    problem: &mut O2Problem,
    tissue: &Uploaded,
    rings: &RingFields,
    transport: &mut Transport,
    mut ring_pb: Vec<f64>,
    opts: &SolveOptions,
    copts: &CouplingOptions,
) -> Result<Coupled> {
    let mut accel = Anderson::new(copts.relaxation);
    // Every tissue solve must converge for the coupling to count as converged (with
    // solver.allow_unconverged a solve that did not is kept, and remembered here).
    let mut tissue_converged = true;
    let mut coupling = CouplingReport {
        iterations: 0,
        converged: false,
        max_change_mmhg: f64::INFINITY,
        history: Vec::new(),
        sweep_equivalents: 0.0,
        seconds: 0.0,
    };
    loop {
        let when = format!("in coupling iteration {}", coupling.iterations + 1);
        if coupling.iterations > 0 {
            let values: Vec<f32> = ring_pb.iter().map(|&p| p as f32).collect();
            backend.field_upload(rings.ring_pb, &values)?;
            rings.voxels.mean(backend, rings.ring_pb, tissue.pb())?;
        }
        // Warm: the tissue field stays on the backend from the last iteration.
        let report = tissue.solve_in_place(backend, opts)?;
        tissue_converged &= report.converged;
        rings
            .rings
            .mean(backend, tissue.solution(), rings.ring_po2)?;
        let wall_po2 = backend.field_read(rings.ring_po2)?;
        if let Some(r) = wall_po2.iter().position(|p| !p.is_finite()) {
            // Name the voxel (reading the field is fine on a failure); a finite field
            // with a non-finite ring mean is a failure too.
            tissue.read(backend, "pO2", &when)?;
            return Err(crate::Error::Numerical(format!(
                "the wall pO2 of vessel ring {r} is not finite {when}"
            )));
        }
        let at_rings: Vec<(f64, f64)> = rings
            .areas
            .iter()
            .zip(&wall_po2)
            .map(|(&a, &p)| (a, f64::from(p)))
            .collect();
        coupling.iterations += 1;
        coupling.sweep_equivalents += report.sweep_equivalents;
        coupling.seconds += report.seconds;
        let blood = transport.march_rings(&at_rings);
        let change = blood
            .ring_pb
            .iter()
            .zip(&ring_pb)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f64, f64::max);
        coupling.max_change_mmhg = change;
        coupling.history.push(change);
        log::info!(
            "vessel–tissue coupling {}: largest vessel pO2 change {change:.3e} mmHg, tissue \
             residual {:.1e} after {} iterations",
            coupling.iterations,
            report.residual,
            report.iterations
        );
        if change <= copts.tolerance_mmhg || coupling.iterations >= copts.max_iterations {
            let settled = change <= copts.tolerance_mmhg;
            coupling.converged = settled && tissue_converged;
            if !settled {
                let what = format!(
                    "vessel–tissue coupling did not settle: after {} coupling iteration(s) \
                     vessel pO2 still changes by {change:.3} mmHg (vessels.transport.\
                     tolerance_mmhg = {})",
                    coupling.iterations, copts.tolerance_mmhg
                );
                crate::solver::refuse_or_keep(
                    &what,
                    "raise vessels.transport.max_iterations or lower vessels.transport.relaxation",
                    opts.allow_unconverged,
                )?;
            }
            // The field and the Pb it was solved with, for the outputs (lent arrays come
            // back with it as they are: `solve_coupled`).
            let po2 = tissue.read(backend, "pO2", &when)?;
            if !tissue.is_lent() {
                problem.pb = backend.field_read(tissue.pb())?;
            }
            return Ok(Coupled {
                report,
                coupling,
                blood,
                po2,
            });
        }
        ring_pb = accel.next(&ring_pb, &blood.ring_pb);
    }
}

/// Anderson acceleration of the fixed-point map x ↦ G(x) (Walker & Ni 2011): the next
/// iterate mixes the last `DEPTH` iterates with the weights that minimise the linearised
/// residual, damped by the relaxation β. Blood pO2 stays ≥ 0.
struct Anderson {
    beta: f64,
    /// Past iterates x and residuals f = G(x) − x, oldest first.
    xs: Vec<Vec<f64>>,
    fs: Vec<Vec<f64>>,
}

const DEPTH: usize = 5;

impl Anderson {
    fn new(beta: f64) -> Self {
        Anderson {
            beta,
            xs: Vec::new(),
            fs: Vec::new(),
        }
    }

    fn next(&mut self, x: &[f64], gx: &[f64]) -> Vec<f64> {
        let f: Vec<f64> = gx.iter().zip(x).map(|(g, x)| g - x).collect();
        self.xs.push(x.to_vec());
        self.fs.push(f.clone());
        if self.xs.len() > DEPTH + 1 {
            self.xs.remove(0);
            self.fs.remove(0);
        }
        let m = self.xs.len() - 1;
        let beta = self.beta;
        let mut out: Vec<f64> = x.iter().zip(&f).map(|(x, f)| x + beta * f).collect();
        if m > 0 {
            // ΔF_j = f_{j+1} − f_j, ΔX_j = x_{j+1} − x_j; γ = argmin ‖f − ΔF·γ‖.
            let df: Vec<Vec<f64>> = (0..m)
                .map(|j| {
                    self.fs[j + 1]
                        .iter()
                        .zip(&self.fs[j])
                        .map(|(a, b)| a - b)
                        .collect()
                })
                .collect();
            let mut a = vec![vec![0.0f64; m]; m];
            let mut rhs = vec![0.0f64; m];
            for i in 0..m {
                for j in 0..m {
                    a[i][j] = dot(&df[i], &df[j]);
                }
                rhs[i] = dot(&df[i], &f);
            }
            let scale = (0..m).map(|i| a[i][i]).fold(0.0f64, f64::max);
            for (i, row) in a.iter_mut().enumerate() {
                row[i] += 1e-10 * scale;
            }
            if let Some(gamma) = solve_small(a, rhs) {
                for j in 0..m {
                    let g = gamma[j];
                    for (k, o) in out.iter_mut().enumerate() {
                        let dx = self.xs[j + 1][k] - self.xs[j][k];
                        *o -= g * (dx + beta * df[j][k]);
                    }
                }
            }
        }
        for o in &mut out {
            *o = o.max(0.0);
        }
        out
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Gaussian elimination with partial pivoting; None when singular.
fn solve_small(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-300 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        let (top, rest) = a.split_at_mut(c + 1);
        let pivot = &top[c];
        for (r, row) in rest.iter_mut().enumerate() {
            let f = row[c] / pivot[c];
            for (x, p) in row[c..].iter_mut().zip(&pivot[c..]) {
                *x -= f * p;
            }
            b[c + 1 + r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}
