//! ROS in time, for events faster than the quasi-steady picture resolves (the minutes
//! of a radiation fraction): explicit steps of R with G held over a chunk, then G
//! advanced over the chunk in closed form under the chunk's mean R (operator
//! splitting; G changes on the scale of 1/kregen ≈ hours, R on 1/k ≈ 1 s). The mean
//! and the exposure ∫R dt use Simpson's rule on R read at the start, middle and end of
//! each chunk.

use super::problem;
use crate::backend::O2Backend;
use crate::physics::ros::RosParams;
use crate::problem::O2Problem;
use crate::solver::{self, Method};
use crate::{Error, Result};

/// The evolving ROS state.
#[derive(Debug, Clone, PartialEq)]
pub struct RosState {
    /// R (µM).
    pub ros: Vec<f32>,
    /// G (mM).
    pub gsh: Vec<f32>,
}

/// What a transient advance did.
#[derive(Debug, Clone, PartialEq)]
pub struct TransientReport {
    /// ∫R dt over the advance per voxel (µM·s; Simpson's rule per chunk): the
    /// oxidative exposure that ROS-dependent kill acts on.
    pub exposure: Vec<f32>,
    /// Explicit steps taken in all.
    pub(crate) steps: u64,
    /// Chunks (G updates).
    pub chunks: u32,
    /// Largest step used (s).
    pub(crate) dt: f64,
}

/// Advances `state` by `duration` seconds with production `production` (µM/s) held,
/// in chunks of at most `chunk_s` seconds.
pub fn advance(
    backend: &mut dyn O2Backend,
    o2: &O2Problem,
    params: &RosParams,
    production: &[f32],
    state: &mut RosState,
    duration: f64,
    chunk_s: f64,
) -> Result<TransientReport> {
    if !(duration > 0.0 && duration.is_finite() && chunk_s > 0.0 && chunk_s.is_finite()) {
        return Err(Error::Numerical(format!(
            "a ROS transient needs a positive duration and chunk, got {duration} s and {chunk_s} s"
        )));
    }
    let chunks = (duration / chunk_s).ceil().max(1.0);
    if chunks > f64::from(u32::MAX) {
        return Err(Error::Numerical(format!(
            "a ROS transient of {duration} s in chunks of {chunk_s} s is too many chunks"
        )));
    }
    let chunks = chunks as u32;
    let h = duration / f64::from(chunks);
    let n = o2.grid.len();
    let mut exposure = vec![0.0f32; n];
    let (mut steps, mut dt_max) = (0u64, 0.0f64);
    for _ in 0..chunks {
        let rp = problem::build(o2, params, production, &state.gsh)?;
        let mut start = state.ros.clone();
        rp.apply_fixed(&mut start);
        solver::load(backend, &rp, Method::RbSor, &start)?;
        let mut read = |b: &mut dyn O2Backend| -> Result<Vec<f32>> {
            let (s, dt) = solver::transient::advance(b, &rp, h / 2.0)?;
            steps += u64::from(s);
            dt_max = dt_max.max(dt);
            solver::read_field_finite(b, &rp, "ROS", "during a ROS transient")
        };
        let mid = read(backend)?;
        let next = read(backend)?;
        for i in 0..n {
            // Simpson's rule over the chunk.
            let mean = (start[i] + 4.0 * mid[i] + next[i]) / 6.0;
            exposure[i] += (f64::from(mean) * h) as f32;
            state.gsh[i] = if o2.is_fixed(i) {
                0.0
            } else {
                params.gsh_advance(state.gsh[i], o2.viable[i], mean, h)
            };
        }
        state.ros = next;
    }
    Ok(TransientReport {
        exposure,
        steps,
        chunks,
        dt: dt_max,
    })
}
