//! ROS and antioxidant fields (MODEL.md §3; the forms in [`crate::physics::ros`]).
//!
//! The steady ROS equation is linear in R for a given antioxidant field G:
//!
//! ```text
//! 0 = DR ∇²R + S − (kG·G + λR)·R + Pw,R·Sv·(Rb − R)
//! ```
//!
//! which is the O2 operator with no Michaelis–Menten uptake and an exchange term
//! Γ·(Pb − R): Γ = k_tot = kG·G + λR + Pw,R·Sv (1/s) and Pb = (S + Pw,R·Sv·Rb)/Γ (µM).
//! [`problem::build`] writes exactly that as an [`crate::problem::O2Problem`] (its
//! `sv` field holding Γ with a unit permeability), so the R field is solved by the same
//! kernels, multigrid hierarchy and explicit stepper as O2 on either backend, and the
//! CPU twins of those kernels are its twins too.
//!
//! G does not diffuse. [`steady::solve_steady_state`] alternates a quasi-steady R solve
//! with G held and G set to its steady value under that R, until G stops changing;
//! [`transient::advance`] steps R in time for fast events (a radiation fraction) with
//! G advanced in closed form between chunks. [`balance`] reports the production and
//! removal totals and the statistics that go into `summary.json`.

pub mod balance;
pub mod problem;
pub mod resident;
pub mod steady;
pub mod transient;

use crate::physics::ros::RosParams;
use crate::problem::O2Problem;
use rayon::prelude::*;

/// What drives ROS production besides the tissue itself.
#[derive(Debug, Clone, Copy)]
pub struct RosSources<'a> {
    /// Tissue pO2 (mmHg), the O2 solution on the same grid.
    pub po2: &'a [f32],
    /// pO2 at the previous protocol step, for the reoxygenation term (`None`: none).
    pub po2_previous: Option<&'a [f32]>,
    /// Dose rate (Gy/s) of irradiation during the solve.
    pub dose_rate_gy_per_s: f64,
}

/// The ROS production field S (µM/s): zero at fixed voxels, which are not tissue.
pub fn production_field(o2: &O2Problem, params: &RosParams, src: &RosSources) -> Vec<f32> {
    let o2p = o2.params;
    (0..o2.grid.len())
        .into_par_iter()
        .map(|i| {
            if o2.is_fixed(i) {
                return 0.0;
            }
            let prev = src.po2_previous.map(|p| p[i]);
            params.production(&o2p, src.po2[i], o2.viable[i], prev, src.dose_rate_gy_per_s) as f32
        })
        .collect()
}

/// The antioxidant capacity of unstressed tissue: G0·n in free voxels, 0 elsewhere.
pub fn baseline_gsh(o2: &O2Problem, params: &RosParams) -> Vec<f32> {
    (0..o2.grid.len())
        .map(|i| {
            if o2.is_fixed(i) {
                0.0
            } else {
                (params.gsh_baseline_mm * f64::from(o2.viable[i])) as f32
            }
        })
        .collect()
}
