// gsh_baseline: the antioxidant capacity of unstressed tissue, G = G0·n (mM) at free
// voxels and 0 at fixed ones (src/ros/mod.rs baseline_gsh). Pointwise
// (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 cells n, 2 O2 fixed (read); 3 G (rw).
// CPU twin: `GshBaseline` in src/backend/ros_fields.rs.

struct U {
    head: Head,
    baseline: f32, // G0 (mM)
    p0: f32,
    p1: f32,
    p2: f32,
    p3: vec4<f32>,
    p4: vec4<f32>,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> cells: array<f32>;
@group(0) @binding(2) var<storage, read> fixed_value: array<f32>;
@group(0) @binding(3) var<storage, read_write> gsh: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    gsh[i] = select(u.baseline * cells[i], 0.0, fixed_value[i] >= 0.0);
}
