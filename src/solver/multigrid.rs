//! Nonlinear multigrid: the full approximation scheme (FAS; Brandt 1977), started by a
//! full-multigrid (FMG) pass, then iterated in F-cycles from a cold start and in
//! V-cycles from a warm one.
//!
//! FAS rather than Newton–multigrid because the smoother already solves each voxel's
//! nonlinear (Michaelis–Menten) equation exactly: FAS needs no Jacobian, coarse levels
//! see the nonlinearity itself, and the same red–black kernel smooths every level with
//! the coarse-level source term added. On level l the equation is F_l(P) + g_l = 0, with
//! g_0 = 0 and, after restriction from level l, g_{l+1} = R·(F_l(P_l) + g_l) − F_{l+1}(R̂·P_l).
//!
//! The pieces, each one backend call:
//! - smoothing: ν red–black Gauss–Seidel sweeps (slightly over-relaxed);
//! - restriction (`restrict(l)`): the mean of the 2×2×2 children for both pO2 and
//!   residual, which also sets g_{l+1} and keeps R̂·P_l;
//! - prolongation (`prolong(l)`): trilinear interpolation of the correction P_H − R̂·P_h;
//! - the coarsest level (smallest dimension < 4) solved approximately by SOR sweeps.
//!
//! Mean restriction (order 1) with trilinear prolongation (order 2) gives the sum of
//! orders > 2 that cell-centred multigrid needs for size-independent convergence of the
//! 7-point Laplacian.
//!
//! **Cycles.** A V(ν₁, ν₂) cycle on level l: ν₁ sweeps, restrict, V on l + 1, prolong,
//! ν₂ sweeps. An F-cycle does the coarse-grid work twice: F on l + 1, then V on l + 1,
//! before prolonging — about 15 % more work per cycle than a V-cycle, and a coarse
//! correction close to W-cycle quality, but on a GPU two to three times the
//! dispatches (the coarse levels are visited O(L²) times instead of O(L)). The
//! **first** cycle of every solve is an FMG pass instead: restrict the start field down
//! to the coarsest level without smoothing, solve there, then on each finer level
//! prolong the correction and run one cycle from that level. Every coarse problem is
//! the FAS problem of the start field, so the pass is exact for any start (cold or
//! warm); it gives each level a start from the converged level below it, which is what
//! a cold solve lacks.
//!
//! **Checks.** Convergence is checked once per cycle, on level 0 after the cycle's
//! pre-smoothing: the restriction from level 0 computes the residual there anyway, and
//! its norm comes with it (`O2Backend::restrict_checked`), so no cycle spends a residual
//! evaluation of its own (one sweep-equivalent of about seven), and a solve that meets
//! its tolerance there stops with that field, skipping the coarse correction and
//! post-smoothing it no longer needs. The first check is the FMG pass's first
//! restriction, the residual of the start field. Measured on the CPU backend
//! (2026-12-07, `oxyfield bench`, sweep-equivalents to 1e-6 at 128³ and 256³): columns
//! 52.8 → 41.7 (5 cycles and a pre-smoothing, 8.96e-7, against 6 cycles, 3.5e-7, where
//! the check after the fifth cycle saw 1.6e-6), tissue 36.5 → 34.5. A cycle counts in
//! `iterations` once completed, the FMG pass from its first check (by then it has done
//! every coarse level's work): a solve that stops at that check reports one, one that
//! stops at the start reports none; with `max_iterations` = N a solve does N cycles
//! and the next one's pre-smoothing. `history` holds every check, the start's first.
//!
//! A solve is **cold** when its relative residual at the start is above
//! [`COLD_ABOVE`] (a steady solve from the initial guess): its FMG pass and cycles are
//! F-cycles. A warm solve (a protocol step from the last field, a drug sub-step) needs
//! one or two cycles, where F-cycles' extra coarse work does not pay: V-cycles.
//!
//! Measured to a relative residual of 1e-6 on the CPU backend (`oxyfield bench`, 64³
//! and 128³; cycles are size-independent), V(2,2) cycles throughout against this
//! scheme (with the mixed-cell coarsening of `problem::hierarchy`): tissue 8–9 → 6
//! cycles, columns 12–13 → 6–7, diffusion (a warm start, 6.6e-3) 6 → 4. In
//! `bench --problem protocol` at 32³ warm V-cycles against F-cycles: 109 against
//! 150 ms per step on the CPU, 584 against 824 ms on lavapipe with half the dispatches
//! (4 257 against 8 812 per step). F(1,2) and V(1,1) cost more in cycles than they save
//! per cycle on the tissue and column problems. The F-cycles over-relax more than the
//! V-cycles ([`F_OMEGA`], [`V_OMEGA`]): 2026-12-07, tissue 5 → 4 F-cycles from 128³ to
//! 256³ (4 at 64³ before too), so 4 at every size (8–9 V-cycles at ω = 1.15 before the
//! FMG pass and F-cycles).
use super::monitor::{Monitor, Verdict};
use super::{sor, SolveOptions, SolveReport};
use crate::backend::O2Backend;
use crate::grid::Grid;
use crate::Result;
use std::time::Instant;

/// Pre-smoothing sweeps per level.
pub(crate) const NU1: u32 = 2;
/// Post-smoothing sweeps per level.
pub(crate) const NU2: u32 = 2;
/// Over-relaxation of the red–black smoother in V-cycles (warm solves). Slight
/// over-relaxation improves 3D red–black smoothing (Yavneh 1996). Measured to 1e-6, in
/// V-cycles for the default / spheroid / uniform cases: ω = 1.0 took 10 / 12 / 8,
/// ω = 1.15 took 9 / 10 / 6; V(1,1) and W-cycles cost more sweep-equivalents. Warm
/// solves are flat from 1.15 to 1.25 (the five example scenarios' runs, every solve:
/// 130 cycles at 1.15, 128 at 1.25) and the diffusion bench problem takes 4 cycles at
/// 1.15, 5 at 1.25.
pub(crate) const V_OMEGA: f32 = 1.15;
/// Over-relaxation in F-cycles and their FMG pass (cold solves), where the coarse
/// correction is closer to exact and more over-relaxation pays: to 1e-6 the tissue
/// bench problem takes 4 F-cycles at ω = 1.2–1.3 against 5 at 1.15 (128³ to 256³; 4 at
/// 64³ either way), the default scenario 4 against 5; the columns problem 6 at 128³ and
/// 256³ for every ω from 1.15 to 1.4, and at 64³ 6 at 1.2–1.25, 7 otherwise.
pub(crate) const F_OMEGA: f32 = 1.25;

/// Solves on the hierarchy loaded into `backend` (level 0 on `grid`): an FMG pass, then
/// F-cycles from a cold start and V-cycles from a warm one until the monitor stops;
/// residuals relative to `norm0` (‖F(P₀)‖).
pub(crate) fn solve(
    backend: &mut dyn O2Backend,
    grid: &Grid,
    opts: &SolveOptions,
    norm0: f64,
) -> Result<SolveReport> {
    let start = Instant::now();
    let levels = backend.levels();
    // Relative size of each level and the coarsest level's sweeps and SOR factor.
    let mut grids = crate::problem::hierarchy::level_grids(grid);
    grids.truncate(levels);
    let sizes: Vec<f64> = grids
        .iter()
        .map(|g| g.len() as f64 / grid.len() as f64)
        .collect();
    let g = grids[grids.len() - 1];
    let coarse_sweeps = 4 * g.nx.max(g.ny).max(g.nz) as u32;
    let coarse_omega = sor::auto_omega(&g) as f32;
    let mut plan = Plan {
        sizes,
        coarse_sweeps,
        coarse_omega,
        omega: V_OMEGA,
    };

    // Every cycle should cut the residual several-fold: ten cycles without a 10 % gain
    // means stagnation at any residual (a float32 floor, or a hierarchy that does not
    // fit the problem), and the solve stops and says so.
    let mut monitor = Monitor::new(
        norm0,
        opts.tolerance,
        opts.max_iterations,
        f64::INFINITY,
        opts.field,
    );
    // Every check takes its norm from the residual that the restriction from level 0
    // computes anyway (`restrict_checked`), so no cycle spends a residual pass of its own:
    // the first check is the FMG pass's first restriction (the start field's residual),
    // every later one the restriction of a cycle after its pre-smoothing. A solve that
    // meets its tolerance there stops with that field and skips the rest of the cycle.
    let (mut work, mut sq_sum) = checked(backend, |_| Ok(0.0))?;
    // Cycles counted: the FMG pass as one from its start (it has done the work of
    // every coarse level by its first check), then every cycle completed.
    let mut cycles = 0u32;
    let mut batches = 0u32;
    let mut chosen = None;
    loop {
        if let Verdict::Stop { status, residual } = monitor.check(sq_sum, cycles)? {
            return Ok(SolveReport {
                method: crate::solver::Method::Multigrid,
                iterations: cycles,
                sweep_equivalents: work,
                levels,
                residual,
                converged: status.accepted(),
                status,
                seconds: start.elapsed().as_secs_f64(),
                omega: f64::from(plan.omega),
                history: monitor.history,
            });
        }
        // A cold start (relative residual above COLD_ABOVE at the first check) cycles in
        // F-cycles; a warm one in V-cycles. Both start with the FMG pass.
        let kind = *chosen.get_or_insert_with(|| {
            if monitor.history[0].1 > COLD_ABOVE {
                Cycle::F
            } else {
                Cycle::V
            }
        });
        plan.omega = kind.omega();
        let (cycle_work, after) = checked(backend, |b| {
            // The rest of the FMG pass, or of the cycle whose pre-smoothing the last
            // check followed; then the next cycle's pre-smoothing.
            let work = if batches > 0 {
                kind.finish(b, 0, &plan)?
            } else {
                fmg_rest(b, &plan, kind)?
            };
            b.smooth(0, NU1, plan.omega)?;
            Ok(work + f64::from(NU1))
        })?;
        work += cycle_work;
        sq_sum = after;
        // The FMG pass counts from its first check; the first cycle completed after it
        // is its own level-0 cycle, each later one counts once completed.
        batches += 1;
        cycles = (batches - 1).max(1);
    }
}

/// `head` (it returns its work in fine sweep-equivalents), then the restriction from
/// level 0 with the residual norm Σr² it yields ([`O2Backend::restrict_checked`]), as
/// one backend batch ([`O2Backend::batch_begin`]): the GPU backend records them into one
/// command buffer and submits it once (more only when it passes its per-submit work
/// limit), so that a cycle costs one submit and a 4-byte read. Returns the work,
/// restriction included, and Σr².
fn checked(
    b: &mut dyn O2Backend,
    head: impl FnOnce(&mut dyn O2Backend) -> Result<f64>,
) -> Result<(f64, f64)> {
    b.batch_begin();
    // The restriction's residual evaluation counts one sweep-equivalent.
    let run = head(b).and_then(|work| Ok((work + 1.0, b.restrict_checked()?)));
    // Close the batch on every path; the head's own error comes first.
    let end = b.batch_end();
    let out = run?;
    end?;
    Ok(out)
}

/// What the cycles of one solve share: per-level sizes, the coarsest level's sweeps and
/// SOR factor, and the smoother's ω (set once the solve knows it is cold or warm).
struct Plan {
    sizes: Vec<f64>,
    coarse_sweeps: u32,
    coarse_omega: f32,
    /// Over-relaxation of the smoothing sweeps ([`Cycle::omega`]).
    omega: f32,
}

/// The FMG pass (see the module docs) after its first restriction (from level 0, which
/// the first check made): restriction of the start field on down to the coarsest
/// level, the coarsest solve, then per finer level a prolongation and one `cycle`, level
/// 0's prolongation last (its cycle is the solve's first). Returns its work in fine
/// sweep-equivalents.
fn fmg_rest(b: &mut dyn O2Backend, plan: &Plan, cycle: Cycle) -> Result<f64> {
    let coarsest = plan.sizes.len() - 1;
    let mut work = 0.0;
    for level in 1..coarsest {
        b.restrict(level)?;
        work += plan.sizes[level]; // one residual evaluation
    }
    work += coarsest_solve(b, plan)?;
    for level in (1..coarsest).rev() {
        b.prolong(level)?;
        work += 0.5 * plan.sizes[level] + cycle.run(b, level, plan)?;
    }
    b.prolong(0)?;
    Ok(work + 0.5)
}

/// Relative residual above which a solve counts as cold (see the module docs).
pub(crate) const COLD_ABOVE: f64 = 0.1;

/// The cycle a solve iterates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cycle {
    /// F-cycles: cold solves.
    F,
    /// V-cycles: warm solves.
    V,
}

impl Cycle {
    /// The smoother's over-relaxation in this kind of cycle.
    fn omega(self) -> f32 {
        match self {
            Cycle::F => F_OMEGA,
            Cycle::V => V_OMEGA,
        }
    }

    /// One cycle from `level`; returns its work in fine sweep-equivalents.
    fn run(self, b: &mut dyn O2Backend, level: usize, plan: &Plan) -> Result<f64> {
        if level + 1 == plan.sizes.len() {
            return coarsest_solve(b, plan);
        }
        b.smooth(level, NU1, plan.omega)?;
        b.restrict(level)?;
        // The residual evaluation of the restriction.
        Ok(f64::from(NU1) * plan.sizes[level] + plan.sizes[level] + self.finish(b, level, plan)?)
    }

    /// The rest of a cycle on `level` (not the coarsest) after its pre-smoothing and
    /// restriction: the coarse problem on the level below (an F-cycle's F then V there,
    /// a V-cycle's V), prolongation and ν₂ sweeps. Returns its work in fine
    /// sweep-equivalents.
    fn finish(self, b: &mut dyn O2Backend, level: usize, plan: &Plan) -> Result<f64> {
        let below = level + 1;
        let mut work = match self {
            Cycle::F => {
                let mut work = Cycle::F.run(b, below, plan)?;
                if below + 1 < plan.sizes.len() {
                    work += Cycle::V.run(b, below, plan)?;
                }
                work
            }
            Cycle::V => Cycle::V.run(b, below, plan)?,
        };
        b.prolong(level)?;
        b.smooth(level, NU2, plan.omega)?;
        // Half a sweep to prolong.
        work += (0.5 + f64::from(NU2)) * plan.sizes[level];
        Ok(work)
    }
}

/// The coarsest level's SOR sweeps; returns their work in fine sweep-equivalents.
fn coarsest_solve(b: &mut dyn O2Backend, plan: &Plan) -> Result<f64> {
    let level = plan.sizes.len() - 1;
    b.smooth(level, plan.coarse_sweeps, plan.coarse_omega)?;
    Ok(f64::from(plan.coarse_sweeps) * plan.sizes[level])
}
