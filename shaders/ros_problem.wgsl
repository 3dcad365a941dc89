// ros_problem: the steady R problem's coefficients in the O2 form (src/ros/problem.rs):
// at free voxels Γ = kG·G + λR + Pw,R·Sv (1/s), pb = (S + Pw,R·Sv·Rb)/Γ (µM) and
// fixed = −1; at fixed voxels (O2 fixed ≥ 0) Γ = 0, pb = 0 and fixed = Rb. Where Γ = 0
// pb is 0, or NO_REMOVAL (f32::MAX) when S > 0: that voxel has no steady state, and one
// maximum of pb finds it. Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 O2 Sv (1/µm), 2 S (µM/s), 3 G (mM), 4 O2 fixed
// (read); 5 sv = Γ, 6 pb, 7 R fixed (rw).
// CPU twin: `RosProblem` in src/backend/ros_fields.rs.

struct U {
    head: Head,
    scavenging: f32, // kG (1/(mM·s))
    loss: f32,       // λR (1/s)
    wall: f32,       // Pw,R (µm/s)
    boundary: f32,   // Rb (µM)
    p0: vec4<f32>,
    p1: vec4<f32>,
};

// f32::MAX, src/backend/ros_fields.rs NO_REMOVAL.
const NO_REMOVAL: f32 = 3.40282347e38;

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> o2_sv: array<f32>;
@group(0) @binding(2) var<storage, read> production: array<f32>;
@group(0) @binding(3) var<storage, read> gsh: array<f32>;
@group(0) @binding(4) var<storage, read> o2_fixed: array<f32>;
@group(0) @binding(5) var<storage, read_write> sv: array<f32>;
@group(0) @binding(6) var<storage, read_write> pb: array<f32>;
@group(0) @binding(7) var<storage, read_write> fixed_value: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    if (o2_fixed[i] >= 0.0) {
        sv[i] = 0.0;
        pb[i] = 0.0;
        fixed_value[i] = u.boundary;
        return;
    }
    let wall = u.wall * o2_sv[i];
    let gamma = u.scavenging * gsh[i] + u.loss + wall;
    let source = production[i] + wall * u.boundary;
    fixed_value[i] = -1.0;
    if (gamma > 0.0) {
        sv[i] = gamma;
        pb[i] = source / gamma;
    } else {
        sv[i] = 0.0;
        pb[i] = select(0.0, NO_REMOVAL, source > 0.0);
    }
}
