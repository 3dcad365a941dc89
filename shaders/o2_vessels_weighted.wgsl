// o2_vessels_weighted: o2_vessels where the rings exchange O2 at their own conductance
// ([vessels.wall]): the O2 Sv is the wall Sv·perfusion·φ (φ the voxel's exchange area
// over its wall area), the other solutes' Sv the wall Sv·perfusion, and Pb raised by
// ΔPb (not below 0) where there is a wall (elsewhere Pb is kept).
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 wall Sv (1/µm), 2 vessel Pb (mmHg), 3 φ (read);
// 4 O2 Sv, 5 Pb, 6 solutes' Sv (rw). CPU twin: `WeightedVessels` in
// src/backend/o2_coefficients.rs.

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
@group(0) @binding(3) var<storage, read> factor: array<f32>;
@group(0) @binding(4) var<storage, read_write> sv: array<f32>;
@group(0) @binding(5) var<storage, read_write> pb: array<f32>;
@group(0) @binding(6) var<storage, read_write> solute_sv: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    let s = vessel_sv[i] * u.perfusion;
    sv[i] = s * factor[i];
    solute_sv[i] = s;
    pb[i] = select(vessel_pb[i], max(vessel_pb[i] + u.pb_increase, 0.0), vessel_sv[i] > 0.0);
}
