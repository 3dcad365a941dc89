// o2_residual: first pass of the residual norm. Each workgroup sums F(P)² over the free
// voxels it visits (grid-stride loop) and writes one partial sum; reduce_sum.wgsl adds
// the partials. No float atomics, so the result does not depend on scheduling.
// Uses shared/o2_common.wgsl and shared/workgroup_sum.wgsl.
// Bindings (group 0): 0–5 from shared/o2_common.wgsl; 6 rhs (read-only); 7 partials (rw, mmHg²/s²), one
// per workgroup. CPU twin: src/backend/cpu/o2_residual.rs.

@group(0) @binding(6) var<storage, read> rhs: array<f32>; // FAS source term (mmHg/s)
@group(0) @binding(7) var<storage, read_write> partials: array<f32>;

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
    let total = workgroup_sum(lid, acc);
    if (lid == 0u) {
        partials[wid.x] = total;
    }
}
