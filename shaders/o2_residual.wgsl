// o2_residual: first pass of the residual norm. Each workgroup sums F(P)² over the free
// voxels it visits (grid-stride loop) and writes one partial sum; reduce_sum.wgsl adds
// the partials. No float atomics, so the result does not depend on scheduling.
// Entry points: residual_partials evaluates F(P); resid_partials squares the residual
// field that o2_residual_field wrote for restriction (0 at fixed voxels), so that a
// multigrid cycle's check costs no residual evaluation of its own.
// Uses shared/o2_common.wgsl and shared/workgroup_sum.wgsl.
// Bindings (group 0): 0–5 from shared/o2_common.wgsl; 6 rhs (read-only); 7 partials (rw,
// mmHg²/s²), one per workgroup; 8 resid (read-only, mmHg/s; resid_partials only).
// CPU twins: src/backend/cpu/o2_residual.rs; `restrict_checked` in
// src/backend/cpu/fast/residual.rs (the norm from restriction's residuals).

@group(0) @binding(6) var<storage, read> rhs: array<f32>; // FAS source term (mmHg/s)
@group(0) @binding(7) var<storage, read_write> partials: array<f32>;
@group(0) @binding(8) var<storage, read> resid: array<f32>;

// The workgroup's sum of `acc` into partials[group] (every invocation calls it: it
// holds barriers).
fn write_partial(lid: u32, group: u32, acc: f32) {
    let total = workgroup_sum(lid, acc);
    if (lid == 0u) {
        partials[group] = total;
    }
}

// Σ r² of the residual field, the same grid-stride order as residual_partials (a fixed
// voxel's 0 adds nothing).
@compute @workgroup_size(256)
fn resid_partials(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    var acc = 0.0;
    let stride = nwg.x * WG;
    for (var idx = gid.x; idx < prm.n_cells; idx += stride) {
        let r = resid[idx];
        acc += r * r;
    }
    write_partial(lid, wid.x, acc);
}

@compute @workgroup_size(256)
fn residual_partials(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    var acc = 0.0;
    let stride = nwg.x * WG;
    let plane = prm.nx * prm.ny;
    for (var idx = gid.x; idx < prm.n_cells; idx += stride) {
        if (fixed_value[idx] < 0.0) {
            let i = idx % prm.nx;
            let j = (idx / prm.nx) % prm.ny;
            let k = idx / plane;
            let r = residual_at(i, j, k, idx);
            acc += r * r;
        }
    }
    write_partial(lid, wid.x, acc);
}
