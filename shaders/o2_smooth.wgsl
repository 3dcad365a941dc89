// o2_smooth: one colour of a nonlinear red–black SOR sweep of the steady O2 equation:
// each voxel moves by ω times the exact local correction δ (Gauss–Seidel at ω = 1).
// Voxel (i, j, k) is red when i + j + k is even. Thread x covers every other voxel of a
// row, i = 2x + ((j + k + colour) & 1), so no thread idles.
// Bindings (group 0; 0–5 from shared/o2_common.wgsl): 0 params (uniform), 1 po2 (rw,
// mmHg), 2 sv (1/µm), 3 pb (mmHg), 4 viable (n), 5 fixed_value (mmHg; < 0 free), 6 rhs
// (FAS source term, read-only, read on coarse levels only).
// Entry points: smooth_red, smooth_black (one colour of the whole level per dispatch);
// smooth_small (prm.sweeps red+black sweeps of a small level in one workgroup, one
// dispatch). CPU twin: src/backend/cpu/o2_smooth.rs.

@group(0) @binding(6) var<storage, read> rhs: array<f32>; // FAS source term (mmHg/s)

fn sor_update(gid: vec3<u32>, colour: u32) {
    let j = gid.y;
    let k = gid.z;
    if (j >= prm.ny || k >= prm.nz) { return; }
    let i = 2u * gid.x + ((j + k + colour) & 1u);
    if (i >= prm.nx) { return; }
    let idx = (k * prm.ny + j) * prm.nx + i;
    if (fixed_value[idx] >= 0.0) { return; }
    let a = diagonal_at(i, j, k, idx);
    let r = residual_at(i, j, k, idx);
    let p = po2[idx];
    let delta = local_correction(a, r, p, prm.m_max * viable[idx], prm.km);
    po2[idx] = max(p + prm.omega * delta, 0.0);
}

@compute @workgroup_size(32, 4, 2)
fn smooth_red(@builtin(global_invocation_id) gid: vec3<u32>) {
    sor_update(gid, 0u);
}

@compute @workgroup_size(32, 4, 2)
fn smooth_black(@builtin(global_invocation_id) gid: vec3<u32>) {
    sor_update(gid, 1u);
}

// Threads of smooth_small's one workgroup (`layout::WG_1D` on the host).
const SMALL_WG: u32 = 256u;

// prm.sweeps red–black sweeps of a whole (small) level by one workgroup: the barrier
// after each colour stands in for the boundary between a smooth_red and a smooth_black
// dispatch, so the updates and their order are those of 2·sweeps dispatches (within a
// colour no voxel reads another of its colour). Multigrid's coarse levels are a few
// thousand voxels, where a dispatch costs more than its work.
@compute @workgroup_size(256)
fn smooth_small(@builtin(local_invocation_index) t: u32) {
    let half = (prm.nx + 1u) / 2u;
    let n = half * prm.ny * prm.nz;
    for (var s = 0u; s < prm.sweeps; s++) {
        for (var colour = 0u; colour < 2u; colour++) {
            for (var q = t; q < n; q += SMALL_WG) {
                let row = q / half;
                sor_update(vec3<u32>(q % half, row % prm.ny, row / prm.ny), colour);
            }
            storageBarrier();
        }
    }
}
