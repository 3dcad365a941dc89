//! Convergence bookkeeping shared by the solvers: relative residual history, the
//! stopping rule, divergence and stagnation at the float32 floor.

use crate::{Error, Result};

/// Checks without a 10 % gain on the best residual after which a solve is declared
/// stagnant: the field has hit the single-precision floor (≈ 1e-7 relative).
const STAGNANT_CHECKS: usize = 10;

/// Tracks one solve.
#[derive(Debug)]
pub struct Monitor {
    norm0: f64,
    tolerance: f64,
    max_iterations: u32,
    first: Option<f64>,
    best: (f64, usize),
    stagnation_below: f64,
    field: &'static str,
    /// (iterations, relative residual) at each check.
    pub history: Vec<(u32, f64)>,
}

/// What to do after a check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// Keep iterating.
    Continue,
    /// Stop; `converged` says whether the tolerance was met.
    Stop {
        /// Tolerance met.
        converged: bool,
        /// Final relative residual.
        residual: f64,
    },
}

impl Monitor {
    /// A monitor with reference norm `norm0`; stagnation is only declared below a
    /// relative residual of `stagnation_below`. `field` names the field in messages
    /// (`"O2"` or `"ROS"`; see [`super::SolveOptions::field`]).
    pub fn new(
        norm0: f64,
        tolerance: f64,
        max_iterations: u32,
        stagnation_below: f64,
        field: &'static str,
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
    pub fn check(&mut self, sq_sum: f64, iterations: u32) -> Result<Verdict> {
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
        if rel <= self.tolerance {
            return Ok(Verdict::Stop {
                converged: true,
                residual: rel,
            });
        }
        if rel < self.stagnation_below && self.history.len() - self.best.1 >= STAGNANT_CHECKS {
            if rel < 1e-5 {
                log::warn!(
                    "{} solve stagnated at relative residual {rel:.3e} after {iterations} \
                     iterations: this is the single-precision floor of the field; \
                     {} = {:.1e} is below what float32 reaches on this problem",
                    self.field,
                    self.tolerance_key(),
                    self.tolerance
                );
            } else {
                log::warn!(
                    "{} solve stagnated at relative residual {rel:.3e} after {iterations} \
                     iterations, far above the float32 floor; try solver.method = \"rbsor\"",
                    self.field
                );
            }
            return Ok(Verdict::Stop {
                converged: false,
                residual: rel,
            });
        }
        if iterations >= self.max_iterations {
            log::warn!(
                "{} solve stopped at solver.max_iterations = {} with relative residual \
                 {rel:.3e} > tolerance {:.1e}",
                self.field,
                self.max_iterations,
                self.tolerance
            );
            return Ok(Verdict::Stop {
                converged: false,
                residual: rel,
            });
        }
        Ok(Verdict::Continue)
    }

    /// The scenario key of the tolerance of this field.
    fn tolerance_key(&self) -> &'static str {
        if self.field == "ROS" {
            "ros.tolerance"
        } else {
            "solver.tolerance"
        }
    }
}
