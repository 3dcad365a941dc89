// drug_activation: the prodrug's O2-inhibited activation field k(P)·n (1/s), with
// k(P) = kmax·(a + (1 − a)·Ki/(Ki + P)) written a0 + a1/(Ki + max(P, 0)) (a0 = kmax·a,
// a1 = kmax·(1 − a)·Ki, rounded once on the host). Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 pO2 (mmHg), 2 viable n (read); 3 activation (rw).
// CPU twin: `DrugActivation` in src/backend/drug_fields.rs.

struct U {
    head: Head,
    aerobic: f32,   // a0 = kmax·a (1/s)
    inhibited: f32, // a1 = kmax·(1 − a)·Ki (mmHg/s)
    ki: f32,        // Ki (mmHg)
    p3: f32,
    p4: f32,
    p5: f32,
    p6: f32,
    p7: f32,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> po2: array<f32>;
@group(0) @binding(2) var<storage, read> viable: array<f32>;
@group(0) @binding(3) var<storage, read_write> activation: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    activation[i] = (u.aerobic + u.inhibited / (u.ki + max(po2[i], 0.0))) * viable[i];
}
