// o2_residual_field: the pointwise residual F(P) + rhs of one multigrid level, written
// per voxel (0 at fixed voxels) for mg_restrict to average onto the coarser level.
// Uses shared/o2_common.wgsl. Bindings (group 0): 0–5 from o2_common; 6 rhs
// (read-only); 7 resid (rw,
// mmHg/s). CPU twin: `residual_field` in src/backend/cpu/mg_transfer.rs.

@group(0) @binding(6) var<storage, read> rhs: array<f32>; // FAS source term (mmHg/s)
@group(0) @binding(7) var<storage, read_write> resid: array<f32>;

@compute @workgroup_size(32, 4, 2)
fn residual_field(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let j = gid.y;
    let k = gid.z;
    if (i >= prm.nx || j >= prm.ny || k >= prm.nz) { return; }
    let idx = (k * prm.ny + j) * prm.nx + i;
    var r = 0.0;
    if (fixed_value[idx] < 0.0) {
        r = residual_at(i, j, k, idx);
    }
    resid[idx] = r;
}
