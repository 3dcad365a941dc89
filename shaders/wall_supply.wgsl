// wall_supply: Sv·Pb per voxel, the wall-area-weighted blood pO2 whose sum over the
// vessels gives their mean blood pO2 (angiogenesis: therapy::interventions).
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 Sv (1/µm), 2 Pb (mmHg) (read); 3 Sv·Pb (rw).
// CPU twin: `WallSupply` in src/backend/o2_coefficients.rs.

struct U {
    head: Head,
    p0: vec4<f32>,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> sv: array<f32>;
@group(0) @binding(2) var<storage, read> pb: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    out[i] = sv[i] * pb[i];
}
