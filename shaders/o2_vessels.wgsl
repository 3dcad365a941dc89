// o2_vessels: the wall coefficients of a step under its windows: Sv·perfusion, and Pb
// raised by ΔPb (not below 0) where there is a wall (Sv > 0; elsewhere Pb is kept).
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 vessel Sv (1/µm), 2 vessel Pb (mmHg) (read);
// 3 Sv, 4 Pb (rw). CPU twin: `Vessels` in src/backend/o2_coefficients.rs.

struct U {
    head: Head,
    perfusion: f32, // factor on Sv
    pb_increase: f32, // ΔPb (mmHg)
    p0: f32,
    p1: f32,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> vessel_sv: array<f32>;
@group(0) @binding(2) var<storage, read> vessel_pb: array<f32>;
@group(0) @binding(3) var<storage, read_write> sv: array<f32>;
@group(0) @binding(4) var<storage, read_write> pb: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    let s = vessel_sv[i];
    sv[i] = s * u.perfusion;
    pb[i] = select(vessel_pb[i], max(vessel_pb[i] + u.pb_increase, 0.0), s > 0.0);
}
