// drug_floor_term: the per-voxel terms of the float32-floor estimate of a drug step's
// solve (src/drugs/mod.rs `floor_tolerance`), each norm then one reduction: the rounding
// term e = (√6·D/h² + Γ)·|x| + Γ·|pb| and the reference residual r = Γ·pb + bath·g
// (µM/s) at free voxels, Γ = Pw·sv (1/s), g the coupling to a unit bath; both 0 at
// fixed voxels. Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 sv, 2 pb, 3 fixed, 4 x (the start field),
// 5 g (read); 6 e, 7 r (rw). CPU twin: `FloorTerm` in src/backend/drug_fields.rs.

struct U {
    head: Head,
    stencil: f32, // √6·D/h² (1/s)
    wall: f32,    // Pw of the step problem (1 in the O2 form)
    bath: f32,    // the bath at fixed voxels and faces (µM)
    p3: f32,
    p4: f32,
    p5: f32,
    p6: f32,
    p7: f32,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> sv: array<f32>;
@group(0) @binding(2) var<storage, read> pb: array<f32>;
@group(0) @binding(3) var<storage, read> fixed_value: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read> coupling: array<f32>;
@group(0) @binding(6) var<storage, read_write> term: array<f32>;
@group(0) @binding(7) var<storage, read_write> reference: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    if (fixed_value[i] >= 0.0) {
        term[i] = 0.0;
        reference[i] = 0.0;
        return;
    }
    let gamma = u.wall * sv[i];
    term[i] = (u.stencil + gamma) * abs(x[i]) + gamma * abs(pb[i]);
    reference[i] = gamma * pb[i] + u.bath * coupling[i];
}
