//! The steady R problem for a given G, written in the form the O2 kernels solve (see
//! the module docs of [`crate::ros`]).

use crate::physics::o2::{O2Params, FREE};
use crate::physics::ros::RosParams;
use crate::problem::O2Problem;
use crate::{Error, Result};

/// The R problem of `o2`'s geometry with production `production` (µM/s) and
/// antioxidant capacity `gsh` (mM):
/// - diffusivity DR, no Michaelis–Menten uptake, unit wall permeability;
/// - `sv` = Γ = kG·G + λR + Pw,R·Sv (1/s), `pb` = (S + Pw,R·Sv·Rb)/Γ (µM);
/// - R fixed at Rb wherever pO2 is fixed (medium, chambers) and on the faces where pO2
///   is fixed (a bath); no-flux faces stay no-flux.
///
/// Fails where a free voxel has production but no removal at all (Γ = 0), which has
/// no steady state.
pub fn build(
    o2: &O2Problem,
    params: &RosParams,
    production: &[f32],
    gsh: &[f32],
) -> Result<O2Problem> {
    let n = o2.grid.len();
    assert_eq!(production.len(), n);
    assert_eq!(gsh.len(), n);
    let rb = params.boundary_um as f32;
    let mut p = O2Problem {
        params: O2Params {
            diffusivity_um2_per_s: params.diffusivity_um2_per_s,
            max_consumption_mmhg_per_s: 0.0,
            km_mmhg: 1.0,
            wall_permeability_um_per_s: 1.0,
        },
        faces: o2.faces.map(|f| if f >= 0.0 { rb } else { FREE }),
        // n does not enter (M = 0 gives M·n = 0 for any n): zeros, which the
        // allocator maps lazily, so that this field costs no memory until written.
        viable: vec![0.0; n],
        grid: o2.grid,
        sv: vec![0.0; n],
        wall_sv: None,
        pb: vec![0.0; n],
        fixed: vec![FREE; n],
        edge_width: [1.0; 3],
    };
    let wall_sv = o2.wall_area_sv();
    for i in 0..n {
        if o2.is_fixed(i) {
            p.fixed[i] = rb;
            continue;
        }
        let wall = params.wall_permeability_um_per_s * f64::from(wall_sv[i]);
        let gamma = params.removal_rate(gsh[i]) + wall;
        let source = f64::from(production[i]) + wall * params.boundary_um;
        if gamma > 0.0 {
            p.sv[i] = gamma as f32;
            p.pb[i] = (source / gamma) as f32;
        } else if source > 0.0 {
            let (x, y, z) = o2.grid.ijk(i);
            return Err(Error::Numerical(format!(
                "ROS is produced at voxel [{z}, {y}, {x}] where nothing removes it \
                 (no glutathione, loss rate 0, no vessel wall): raise `ros.loss_rate_per_s`"
            )));
        }
    }
    Ok(p)
}
