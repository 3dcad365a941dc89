// mg_coarse_rhs: completes the FAS source term of a coarse level. On entry rhs holds
// the restricted fine residual R·(F_h(P_h) + g_h); on exit
// rhs = R·(F_h(P_h) + g_h) − F_H(R̂·P_h), so that the coarse equation F_H(P_H) + rhs = 0
// is solved by P_H = R̂·P_h when the fine level is converged. 0 at fixed voxels.
// Uses shared/o2_common.wgsl (bindings 0–5 of the coarse level); 6 rhs (rw), declared
// here.
// CPU twin: `coarse_rhs` in src/backend/cpu/mg_transfer.rs.

@group(0) @binding(6) var<storage, read_write> rhs: array<f32>; // FAS source term (mmHg/s)

@compute @workgroup_size(32, 4, 2)
fn coarse_rhs(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let j = gid.y;
    let k = gid.z;
    if (i >= prm.nx || j >= prm.ny || k >= prm.nz) { return; }
    let idx = (k * prm.ny + j) * prm.nx + i;
    if (fixed_value[idx] >= 0.0) {
        rhs[idx] = 0.0;
        return;
    }
    let f0 = residual_from(net_supply(i, j, k, idx), po2[idx], prm.m_max * viable[idx], prm.km);
    rhs[idx] = rhs[idx] - f0;
}
