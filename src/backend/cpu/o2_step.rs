//! CPU twin of `shaders/o2_step.wgsl`: one explicit time step, P ← max(P + Δt·F(P), 0),
//! through a scratch field so that every voxel reads the old values.

use super::CpuLevel;
use crate::backend::stencil::{residual_at, StencilConsts};

/// Advances `level` (level 0, no FAS term) by one step of `dt` seconds.
pub fn step(level: &mut CpuLevel, dt: f32) {
    // The scratch field, made where the level has none yet (the backend's fine level).
    level.resid.resize(level.po2.len(), 0.0);
    let p = &level.problem;
    let k = StencilConsts::of(p);
    let po2 = &level.po2;
    super::par_fill(&mut level.resid, k.nx * k.ny, |idx| {
        let old = po2[idx];
        if p.fixed[idx] >= 0.0 {
            old
        } else {
            (old + dt * residual_at(&k, p, |n| po2[n], p.grid.ijk(idx), idx, 0.0)).max(0.0)
        }
    });
    std::mem::swap(&mut level.po2, &mut level.resid);
}
