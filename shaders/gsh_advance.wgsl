// gsh_advance: G advanced over Δt with R held, in closed form toward the scaled steady
// value (RosParams::gsh_advance_scaled; scale as therapy::interventions::g0_scale):
// a = kregen·n, b = kG'·max(R, 0), G∞ = a·G0·σ/(a + b), σ = (1 + φ·h)·(1 + ΔG0),
// x = (a + b)·Δt; G ← G∞ + (G − G∞)·e^(−x) when G ≥ G∞, else G + (G∞ − G)·(1 − e^(−x)),
// each a sum of like-signed terms. Fixed voxels and voxels with a + b = 0 are kept.
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 cells n, 2 R (µM), 3 HIF h, 4 O2 fixed (read);
// 5 G (mM, in place) (rw).
// CPU twin: `GshAdvance` in src/backend/ros_fields.rs.

struct U {
    head: Head,
    regeneration: f32,     // kregen (1/s)
    consumption: f32,      // kG' (1/(µM·s))
    baseline: f32,         // G0 (mM)
    dt: f32,               // Δt (s)
    hif_upregulation: f32, // φ
    gsh_factor: f32,       // 1 + ΔG0
    p0: f32,
    p1: f32,
    p2: vec4<f32>,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> cells: array<f32>;
@group(0) @binding(2) var<storage, read> ros: array<f32>;
@group(0) @binding(3) var<storage, read> hif: array<f32>;
@group(0) @binding(4) var<storage, read> fixed_value: array<f32>;
@group(0) @binding(5) var<storage, read_write> gsh: array<f32>;

// 1 − e^(−x) for x ≥ 0: the alternating series to x¹⁰/10! below 0.5, where
// 1 − exp(−x) loses digits (ros_fields.rs one_minus_exp).
fn one_minus_exp(x: f32) -> f32 {
    if (x < 0.5) {
        var t = 1.0;
        for (var k = 10; k >= 2; k--) {
            t = 1.0 - x * t / f32(k);
        }
        return x * t;
    }
    return 1.0 - exp(-x);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    if (fixed_value[i] >= 0.0) { return; }
    let a = u.regeneration * cells[i];
    let b = u.consumption * max(ros[i], 0.0);
    let rate = a + b;
    if (rate <= 0.0) { return; }
    let scale = (1.0 + u.hif_upregulation * hif[i]) * u.gsh_factor;
    let inf = a * u.baseline * scale / rate;
    let x = rate * u.dt;
    let g = gsh[i];
    if (g >= inf) {
        gsh[i] = inf + (g - inf) * exp(-x);
    } else {
        gsh[i] = g + (inf - g) * one_minus_exp(x);
    }
}
