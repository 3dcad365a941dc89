// o2_step: one explicit (forward Euler) time step of the O2 equation,
// P_new = max(P + Δt·F(P), 0), written to `next`. The host binds pO2 and its scratch
// buffer both ways round (ping-pong), so successive steps alternate between them and
// nothing is copied between steps. Fixed voxels keep their value. Δt must respect the positivity bound
// Δt ≤ 1/(λ + largest diagonal) (src/solver/transient.rs picks it).
// Uses shared/o2_common.wgsl. Bindings (group 0): 0–5 from o2_common; 6 rhs (read-only;
// `residual_at` names it, but steps run on level 0, where use_rhs = 0, so it is never
// read); 7 next (rw, mmHg).
// CPU twin: src/backend/cpu/o2_step.rs.

@group(0) @binding(6) var<storage, read> rhs: array<f32>; // FAS source term (mmHg/s)
@group(0) @binding(7) var<storage, read_write> next: array<f32>;

@compute @workgroup_size(32, 4, 2)
fn step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let j = gid.y;
    let k = gid.z;
    if (i >= prm.nx || j >= prm.ny || k >= prm.nz) { return; }
    let idx = (k * prm.ny + j) * prm.nx + i;
    let p = po2[idx];
    if (fixed_value[idx] >= 0.0) {
        next[idx] = p;
        return;
    }
    next[idx] = max(p + prm.dt * residual_at(i, j, k, idx), 0.0);
}
