// apply_fixed: holds fixed voxels at their value (fixed ≥ 0) and leaves free voxels
// (fixed < 0) as they are, in place: the start of a solve (O2Problem::apply_fixed).
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 fixed (read); 2 field (rw).
// CPU twin: `ApplyFixed` in src/backend/o2_coefficients.rs.

@group(0) @binding(0) var<uniform> head: Head;
@group(0) @binding(1) var<storage, read> fixed_value: array<f32>;
@group(0) @binding(2) var<storage, read_write> field: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(head, gid);
    if (i >= head.len) { return; }
    if (fixed_value[i] >= 0.0) {
        field[i] = fixed_value[i];
    }
}
