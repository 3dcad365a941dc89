//! One implicit (backward Euler) step of a drug field, written in the form the O2
//! kernels solve (as the ROS problem is, see [`crate::ros`]): the linear problem
//! D∇²C − Γ·C + S = 0 with Γ = (sinks) + 1/Δt and S = (sources) + C_old/Δt becomes an
//! [`O2Problem`] with no Michaelis–Menten uptake, unit wall permeability, `sv` = Γ and
//! `pb` = S/Γ. Backward Euler is unconditionally stable and keeps C ≥ 0, so the step
//! follows the drug's time scales (minutes), not the diffusion bound (fractions of a
//! second at 10 µm voxels).

use crate::physics::o2::{O2Params, FREE};
use crate::problem::O2Problem;

/// A linear reaction–diffusion step on the geometry of `o2`: diffusivity `d`, per-voxel
/// sink rate `sink(i)` (1/s, before the 1/Δt term) and source `source(i)` (µM/s), from
/// `old` over `dt` seconds. Voxels where pO2 is fixed (medium, chambers) and faces with
/// a fixed pO2 (a bath) hold `bath` (µM).
pub fn implicit_step(
    o2: &O2Problem,
    d: f64,
    old: &[f32],
    dt: f64,
    bath: f64,
    sink: impl Fn(usize) -> f64,
    source: impl Fn(usize) -> f64,
) -> O2Problem {
    let n = o2.grid.len();
    assert_eq!(old.len(), n);
    let mut p = O2Problem::uniform(
        o2.grid,
        O2Params {
            diffusivity_um2_per_s: d,
            max_consumption_mmhg_per_s: 0.0,
            km_mmhg: 1.0,
            wall_permeability_um_per_s: 1.0,
        },
    );
    let bath = bath as f32;
    p.faces = o2.faces.map(|f| if f >= 0.0 { bath } else { FREE });
    p.viable.clone_from(&o2.viable);
    for (i, &old) in old.iter().enumerate() {
        if o2.is_fixed(i) {
            p.fixed[i] = bath;
            continue;
        }
        let gamma = sink(i) + 1.0 / dt;
        let s = source(i) + f64::from(old) / dt;
        p.sv[i] = gamma as f32;
        p.pb[i] = (s / gamma) as f32;
    }
    p
}
