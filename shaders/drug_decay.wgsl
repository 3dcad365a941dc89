// drug_decay: a drug below the solve floor decaying with its plasma curve over an
// interval (src/drugs/mod.rs `decay`), in place: E1 = E0 + A·gain (µM·h),
// kill += κ·(E1 − E0), then C ← r·C and A ← r·A, r = Cp(t + Δt)/Cp(t).
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms; 1 C, 2 A (µM), 3 exposure (µM·h), 4 kill (rw).
// CPU twin: `Decay` in src/backend/drug_fields.rs.

struct U {
    head: Head,
    ratio: f32,  // r (0–1)
    gain_h: f32, // Δt·(1 − r)/(−ln r)/3600 (h)
    kappa: f32,  // κ (1/(µM·h))
    p3: f32,
    p4: f32,
    p5: f32,
    p6: f32,
    p7: f32,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> prodrug: array<f32>;
@group(0) @binding(2) var<storage, read_write> metabolite: array<f32>;
@group(0) @binding(3) var<storage, read_write> exposure: array<f32>;
@group(0) @binding(4) var<storage, read_write> kill: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    let a = metabolite[i];
    let e0 = exposure[i];
    let e1 = e0 + a * u.gain_h;
    kill[i] = kill[i] + u.kappa * (e1 - e0);
    exposure[i] = e1;
    prodrug[i] = prodrug[i] * u.ratio;
    metabolite[i] = a * u.ratio;
}
