//! `oxyfield validate`: the analytic cases of MODEL.md §5 run on the chosen backend,
//! each check printed with what was expected, what came out, the error and the
//! tolerance, so that a lab can show on its own hardware that oxyfield is right there.
//!
//! Tolerances are stated per check, with the reason beside each case. `--full` repeats
//! the refinable cases on finer grids and reports the observed order of convergence.

pub mod analytic;
mod cases;
mod geometry;

use crate::backend::O2Backend;
use crate::Result;
use serde::Serialize;

/// How much to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Every case once, on small grids: under a minute on a 2-core CPU.
    Quick,
    /// Every case, and the refinable ones on three grids with convergence orders.
    Full,
}

/// A deliberate error injected into one case, to show that the suite can fail.
#[derive(Debug, Clone, PartialEq)]
pub struct Perturbation {
    /// Name of the case to perturb.
    pub case: String,
    /// Factor applied to the diffusivity the solver sees (the closed form keeps D).
    pub diffusivity_factor: f64,
}

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Within tolerance.
    Pass,
    /// Outside tolerance.
    Fail,
    /// Not run (e.g. no GPU adapter for the GPU–CPU comparison).
    Skip,
}

/// One line of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Case name, e.g. `spheroid-anoxic`.
    pub case: String,
    /// What is compared, with its unit.
    pub quantity: String,
    /// The closed form's value.
    pub(crate) expected: f64,
    /// oxyfield's value.
    pub(crate) got: f64,
    /// The error measure compared with the tolerance.
    pub error: f64,
    /// Largest error that passes.
    pub tolerance: f64,
    /// Pass, fail or skip.
    pub status: Status,
    /// Grid spacing of the run (µm).
    pub(crate) spacing_um: f64,
}

impl Check {
    /// A check that passes when `error ≤ tolerance`.
    pub(crate) fn new(
        case: &str,
        quantity: &str,
        expected: f64,
        got: f64,
        error: f64,
        tolerance: f64,
        h: f64,
    ) -> Self {
        let status = if error.is_finite() && error <= tolerance {
            Status::Pass
        } else {
            Status::Fail
        };
        Check {
            case: case.into(),
            quantity: quantity.into(),
            expected,
            got,
            error,
            tolerance,
            status,
            spacing_um: h,
        }
    }

    /// A check that was not run.
    pub(crate) fn skipped(case: &str, quantity: &str) -> Self {
        Check {
            case: case.into(),
            quantity: quantity.into(),
            expected: f64::NAN,
            got: f64::NAN,
            error: f64::NAN,
            tolerance: f64::NAN,
            status: Status::Skip,
            spacing_um: f64::NAN,
        }
    }
}

/// Options of a validation run.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Quick or full.
    pub mode: Mode,
    /// Deliberate error, for testing the suite.
    pub perturb: Option<Perturbation>,
}

/// Runs the suite on `backend`. `gpu_reference` is a second backend (the CPU when
/// `backend` is a GPU, or a GPU when `backend` is the CPU) for the agreement case.
pub fn run(
    backend: &mut dyn O2Backend,
    gpu_reference: Option<&mut dyn O2Backend>,
    opts: &Options,
) -> Result<Vec<Check>> {
    let mut out = Vec::new();
    let d_factor = |case: &str| {
        opts.perturb
            .as_ref()
            .filter(|p| p.case == case)
            .map_or(1.0, |p| p.diffusivity_factor)
    };
    let spacings: &[f64] = match opts.mode {
        Mode::Quick => &[5.0],
        Mode::Full => &[10.0, 5.0, 2.5],
    };
    for p0 in [100.0, 15.0] {
        let name = if p0 > 50.0 {
            "spheroid-oxygenated"
        } else {
            "spheroid-anoxic"
        };
        let runs = spacings
            .iter()
            .map(|&h| cases::spheroid(backend, name, h, p0, d_factor(name)))
            .collect::<Result<Vec<_>>>()?;
        out.extend(cases::with_orders(name, runs));
    }
    let krogh_h: &[f64] = match opts.mode {
        Mode::Quick => &[1.0],
        Mode::Full => &[2.0, 1.0, 0.5],
    };
    for robin in [false, true] {
        let name = if robin { "krogh-robin" } else { "krogh-fixed" };
        let runs = krogh_h
            .iter()
            .map(|&h| cases::krogh(backend, name, h, robin, d_factor(name)))
            .collect::<Result<Vec<_>>>()?;
        out.extend(cases::with_orders(name, runs));
    }
    let unresolved_h: &[f64] = match opts.mode {
        Mode::Quick => &[10.0, 5.0],
        Mode::Full => &[10.0, 5.0, 2.5],
    };
    let mut runs = Vec::new();
    for &h in unresolved_h {
        for place in [cases::VesselPlace::Corner, cases::VesselPlace::Generic] {
            runs.push(cases::krogh_unresolved(
                backend,
                h,
                place,
                d_factor("krogh-unresolved"),
            )?);
        }
    }
    out.extend(cases::with_orders("krogh-unresolved", runs));
    let line_h: &[f64] = match opts.mode {
        Mode::Quick => &[2.0],
        Mode::Full => &[4.0, 2.0, 1.0],
    };
    let runs = line_h
        .iter()
        .map(|&h| cases::line_source(backend, h, d_factor("line-source")))
        .collect::<Result<Vec<_>>>()?;
    out.extend(cases::with_orders("line-source", runs));
    let slab_h: &[f64] = match opts.mode {
        Mode::Quick => &[5.0],
        Mode::Full => &[10.0, 5.0, 2.5],
    };
    let runs = slab_h
        .iter()
        .map(|&h| cases::slab(backend, h, d_factor("slab")))
        .collect::<Result<Vec<_>>>()?;
    out.extend(cases::with_orders("slab", runs));
    let decay_h: &[f64] = match opts.mode {
        Mode::Quick => &[10.0],
        Mode::Full => &[20.0, 10.0, 5.0],
    };
    let runs = decay_h
        .iter()
        .map(|&h| cases::cosine_decay(backend, h, d_factor("cosine-decay")))
        .collect::<Result<Vec<_>>>()?;
    out.extend(cases::with_orders("cosine-decay", runs));
    out.push(cases::mass_balance_default(backend)?);
    out.push(match gpu_reference {
        Some(other) => cases::backend_agreement(backend, other)?,
        None => Check::skipped("gpu-vs-cpu", "max |P_gpu − P_cpu| (mmHg)"),
    });
    Ok(out)
}

/// The table as plain text.
pub fn table(checks: &[Check]) -> String {
    // The quantity column fits the longest quantity (characters, as `{:<w}` pads).
    let w = checks
        .iter()
        .map(|c| c.quantity.chars().count())
        .max()
        .unwrap_or(0)
        .max(42);
    let mut s = format!(
        "{:<20} {:<w$} {:>12} {:>12} {:>10} {:>10}  {}\n",
        "case", "quantity", "expected", "got", "error", "tolerance", "status"
    );
    s.push_str(&"-".repeat(s.len() - 1));
    s.push('\n');
    let num = |v: f64| {
        if v.is_nan() {
            "—".to_string()
        } else if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e5) {
            format!("{v:.3e}")
        } else {
            format!("{v:.4}")
        }
    };
    for c in checks {
        let status = match c.status {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        };
        s.push_str(&format!(
            "{:<20} {:<w$} {:>12} {:>12} {:>10} {:>10}  {status}\n",
            c.case,
            c.quantity,
            num(c.expected),
            num(c.got),
            num(c.error),
            num(c.tolerance)
        ));
    }
    s
}
