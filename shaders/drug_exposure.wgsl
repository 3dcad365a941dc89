// drug_exposure: the exposure over one implicit step by the trapezoid rule, in place,
// fused with the kill it brings: E1 = E0 + (A_old + A_new)·½Δt/3600 (µM·h),
// kill += κ·(E1 − E0) (log-survival). Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 A_old, 2 A_new (µM) (read); 3 exposure (µM·h),
// 4 kill (rw). CPU twin: `Exposure` in src/backend/drug_fields.rs.

struct U {
    head: Head,
    half_dt_h: f32, // ½Δt/3600 (h)
    kappa: f32,     // κ (1/(µM·h))
    p2: f32,
    p3: f32,
    p4: f32,
    p5: f32,
    p6: f32,
    p7: f32,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> a_old: array<f32>;
@group(0) @binding(2) var<storage, read> a_new: array<f32>;
@group(0) @binding(3) var<storage, read_write> exposure: array<f32>;
@group(0) @binding(4) var<storage, read_write> kill: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    let e0 = exposure[i];
    let e1 = e0 + (a_old[i] + a_new[i]) * u.half_dt_h;
    kill[i] = kill[i] + u.kappa * (e1 - e0);
    exposure[i] = e1;
}
