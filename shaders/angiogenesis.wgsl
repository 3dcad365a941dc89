// angiogenesis: new wall where HIF stays above the threshold, in tissue: Sv grows by
// `grow` up to `cap` (never down), and the new wall carries blood at `pb_new`, mixed
// into Pb by wall area (therapy::interventions::angiogenesis).
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 HIF h, 2 region (0/1) (read); 3 vessel Sv (1/µm),
// 4 vessel Pb (mmHg) (rw, in place). CPU twin: `Angiogenesis` in
// src/backend/o2_coefficients.rs.

struct U {
    head: Head,
    threshold: f32, // HIF level above which walls grow
    grow: f32,      // Sv added over the step (1/µm)
    cap: f32,       // largest Sv (1/µm)
    pb_new: f32,    // blood pO2 of the new wall (mmHg)
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> hif: array<f32>;
@group(0) @binding(2) var<storage, read> region: array<f32>;
@group(0) @binding(3) var<storage, read_write> sv: array<f32>;
@group(0) @binding(4) var<storage, read_write> pb: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    if (region[i] == 0.0 || hif[i] <= u.threshold) { return; }
    let old = sv[i];
    let grown = max(min(old + u.grow, u.cap), old);
    if (grown > old) {
        pb[i] = (pb[i] * old + u.pb_new * (grown - old)) / grown;
        sv[i] = grown;
    }
}
