// tissue_mask: 1 where cells respire (cells > 0) and the voxel is free (fixed < 0),
// else 0: the voxels the O2 statistics count (O2Problem::is_tissue).
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 cells, 2 fixed (mmHg; negative: free) (read);
// 3 mask (rw). CPU twin: `TissueMask` in src/backend/o2_coefficients.rs.

@group(0) @binding(0) var<uniform> head: Head;
@group(0) @binding(1) var<storage, read> cells: array<f32>;
@group(0) @binding(2) var<storage, read> fixed_value: array<f32>;
@group(0) @binding(3) var<storage, read_write> mask: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(head, gid);
    if (i >= head.len) { return; }
    mask[i] = select(0.0, 1.0, cells[i] > 0.0 && fixed_value[i] < 0.0);
}
