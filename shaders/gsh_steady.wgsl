// gsh_steady: one step of the R–G fixed point (src/ros/steady.rs): the steady G under
// R held, G∞ = a·G0/(a + b) with a = kregen·n, b = kG'·max(R, 0) (0 without cells and
// at fixed voxels; RosParams::gsh_steady), and |G∞ − G| for the max-change test.
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 cells n, 2 R (µM), 3 G (mM), 4 O2 fixed (read);
// 5 G∞ (mM), 6 |ΔG| (mM) (rw).
// CPU twin: `GshSteady` in src/backend/ros_fields.rs.

struct U {
    head: Head,
    regeneration: f32, // kregen (1/s)
    consumption: f32,  // kG' (1/(µM·s))
    baseline: f32,     // G0 (mM)
    p0: f32,
    p1: vec4<f32>,
    p2: vec4<f32>,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> cells: array<f32>;
@group(0) @binding(2) var<storage, read> ros: array<f32>;
@group(0) @binding(3) var<storage, read> gsh: array<f32>;
@group(0) @binding(4) var<storage, read> fixed_value: array<f32>;
@group(0) @binding(5) var<storage, read_write> next: array<f32>;
@group(0) @binding(6) var<storage, read_write> change: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    let a = u.regeneration * cells[i];
    let b = u.consumption * max(ros[i], 0.0);
    var g = 0.0;
    if (fixed_value[i] < 0.0 && a > 0.0) {
        g = a * u.baseline / (a + b);
    }
    next[i] = g;
    change[i] = abs(g - gsh[i]);
}
