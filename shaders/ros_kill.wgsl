// ros_kill: the log-kill from ROS above the damage threshold over a step, added in
// place: kill += κ·Δt/3600·max(R − Rth, 0) (therapy::interventions::ros_kill).
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 R (µM) (read); 2 log-kill (rw, in place).
// CPU twin: `RosKill` in src/backend/ros_fields.rs.

struct U {
    head: Head,
    kill: f32,      // κ·Δt/3600 (1/µM)
    threshold: f32, // Rth (µM)
    p0: f32,
    p1: f32,
    p2: vec4<f32>,
    p3: vec4<f32>,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> ros: array<f32>;
@group(0) @binding(2) var<storage, read_write> kill: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    kill[i] = kill[i] + u.kill * max(ros[i] - u.threshold, 0.0);
}
