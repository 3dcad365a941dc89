//! Convergence bookkeeping shared by the solvers: relative residual history, the
//! stopping rule, divergence and stagnation at the float32 floor.

use super::SolveStatus;
use crate::{Error, Result};

/// Checks without a 10 % gain on the best residual after which a solve is declared
/// stagnant: at the single-precision floor below [`FLOAT32_FLOOR`], a stalled method
/// above it.
const STAGNANT_CHECKS: usize = 10;

/// Tracks one solve.
#[derive(Debug)]
pub(crate) struct Monitor {
    norm0: f64,
    tolerance: f64,
    max_iterations: u32,
    first: Option<f64>,
    best: (f64, usize),
    stagnation_below: f64,
    field: super::SolvedField,
    /// (iterations, relative residual) at each check.
    pub(crate) history: Vec<(u32, f64)>,
}

/// What to do after a check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Verdict {
    /// Keep iterating.
    Continue,
    /// Stop, for the reason `status`.
    Stop {
        /// Why the solve stopped (tolerance met, float32 floor, stagnation, limit).
        status: SolveStatus,
        /// Final relative residual.
        residual: f64,
    },
}

impl Monitor {
    /// A monitor with reference norm `norm0`; stagnation is only declared below a
    /// relative residual of `stagnation_below`. `field` names the field in messages
    /// (see [`super::SolveOptions::field`]).
    pub(crate) fn new(
        norm0: f64,
        tolerance: f64,
        max_iterations: u32,
        stagnation_below: f64,
        field: super::SolvedField,
    ) -> Self {
        Monitor {
            norm0,
            tolerance,
            max_iterations,
            first: None,
            best: (f64::INFINITY, 0),
            stagnation_below,
            field,
            history: Vec::new(),
        }
    }

    /// Records Σr² after `iterations` and decides.
    pub(crate) fn check(&mut self, sq_sum: f64, iterations: u32) -> Result<Verdict> {
        crate::interrupt::check(|| {
            format!(
                "the {} solve stopped after {iterations} iterations; nothing of it was \
                 written",
                self.field
            )
        })?;
        let rel = sq_sum.sqrt() / self.norm0;
        self.history.push((iterations, rel));
        log::trace!("iteration {iterations}: relative residual {rel:.3e}");
        if !rel.is_finite() {
            return Err(Error::Numerical(format!(
                "the {} residual became non-finite after {iterations} iterations; check the \
                 scenario's parameters for extreme values",
                self.field
            )));
        }
        let r0 = *self.first.get_or_insert(rel);
        if rel > 1e6 * r0.max(1e-30) {
            return Err(Error::Numerical(format!(
                "the {} solve diverged (relative residual {rel:.3e} after {iterations} \
                 iterations, {r0:.3e} at the start); lower solver.omega",
                self.field
            )));
        }
        if rel < 0.9 * self.best.0 {
            self.best = (rel, self.history.len());
        }
        let stop = |status| {
            Ok(Verdict::Stop {
                status,
                residual: rel,
            })
        };
        if rel <= self.tolerance {
            return stop(SolveStatus::Tolerance);
        }
        if rel < self.stagnation_below && self.history.len() - self.best.1 >= STAGNANT_CHECKS {
            if rel < FLOAT32_FLOOR {
                // The field cannot get more accurate in single precision: a success, said
                // in the log and in `solver.status` — as a warning when the floor is far
                // above the tolerance asked for, since the result is then less accurate
                // than requested.
                let level = if rel > 10.0 * self.tolerance {
                    log::Level::Warn
                } else {
                    log::Level::Info
                };
                log::log!(
                    level,
                    "{} solve reached the single-precision floor at relative residual \
                     {rel:.3e} after {iterations} iterations (tolerance {:.1e} is below what \
                     float32 reaches on this problem); accepted as converged",
                    self.field,
                    self.tolerance
                );
                return stop(SolveStatus::Float32Floor);
            }
            return stop(SolveStatus::Stagnated);
        }
        if iterations >= self.max_iterations {
            return stop(SolveStatus::MaxIterations);
        }
        Ok(Verdict::Continue)
    }
}

/// Relative residual below which a stagnating solve is at the float32 rounding floor
/// of its field (≈ 1e-7 relative per value, amplified by the stencil's conditioning)
/// rather than stalled by the method. Measured float32 stalls: 2.1e-5 (a drug slab with
/// strong uptake, tests/it/drugs.rs), ≈ 1e-5 (the Km = 0 spheroid at h = 2.5 µm); the
/// method stalls issue 18 reported sat at 3.4e-3 to 2e-1.
pub(crate) const FLOAT32_FLOOR: f64 = 1e-4;

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `rel` (relative residuals, reference norm 1) until the monitor stops.
    fn verdict(rels: impl Iterator<Item = f64>, max_iterations: u32) -> SolveStatus {
        let mut m = Monitor::new(
            1.0,
            1e-6,
            max_iterations,
            f64::INFINITY,
            super::super::SolvedField::O2,
        );
        for (i, r) in rels.enumerate() {
            if let Verdict::Stop { status, .. } = m.check(r * r, i as u32).unwrap() {
                return status;
            }
        }
        panic!("never stopped");
    }

    #[test]
    fn stagnation_is_a_failure_far_above_the_float32_floor_and_a_success_at_it() {
        let falling_then_flat = |floor: f64| (0..).map(move |i| (0.3f64.powi(i)).max(floor));
        assert_eq!(
            verdict(falling_then_flat(6.9e-3), 1000),
            SolveStatus::Stagnated
        );
        assert_eq!(
            verdict(falling_then_flat(3e-6), 1000),
            SolveStatus::Float32Floor
        );
        assert_eq!(
            verdict(falling_then_flat(0.0), 1000),
            SolveStatus::Tolerance
        );
        assert_eq!(
            verdict(falling_then_flat(6.9e-3), 5),
            SolveStatus::MaxIterations
        );
        assert!(SolveStatus::Float32Floor.accepted() && SolveStatus::Tolerance.accepted());
        assert!(!SolveStatus::Stagnated.accepted() && !SolveStatus::MaxIterations.accepted());
    }
}
