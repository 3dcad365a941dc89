// drug_metabolite_local: the implicit step of an active metabolite that stays where it is
// made, in closed form and in place: A ← (A + Δt·k(P)·n·C)/(1 + Δt·λA) at free voxels,
// 0 at voxels with a fixed pO2. Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 fixed pO2 (mmHg), 2 activation k(P)·n (1/s),
// 3 C (µM, end of step) (read); 4 A (µM) (rw).
// CPU twin: `MetaboliteLocal` in src/backend/drug_fields.rs.

struct U {
    head: Head,
    dt: f32,   // Δt (s)
    keep: f32, // 1/(1 + Δt·λA)
    p2: f32,
    p3: f32,
    p4: f32,
    p5: f32,
    p6: f32,
    p7: f32,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> fixed_o2: array<f32>;
@group(0) @binding(2) var<storage, read> activation: array<f32>;
@group(0) @binding(3) var<storage, read> prodrug: array<f32>;
@group(0) @binding(4) var<storage, read_write> metabolite: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    if (fixed_o2[i] >= 0.0) {
        metabolite[i] = 0.0;
        return;
    }
    metabolite[i] = (metabolite[i] + u.dt * (activation[i] * prodrug[i])) * u.keep;
}
