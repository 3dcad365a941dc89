// o2_consuming: the O2 problem's cell coefficient from the resident tissue state: the
// respiring cells min(n + l, 1), less the glycolytic switch's share φ·h where HIF is
// active: cells = min(n + l, 1)·(1 − φ·h). Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 n, 2 l, 3 h (read); 4 cells (rw).
// CPU twin: `Consuming` in src/backend/o2_coefficients.rs.

struct U {
    head: Head,
    switch_share: f32, // φ, the glycolytic switch (0–1)
    p0: f32,
    p1: f32,
    p2: f32,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> viable: array<f32>;
@group(0) @binding(2) var<storage, read> doomed: array<f32>;
@group(0) @binding(3) var<storage, read> hif: array<f32>;
@group(0) @binding(4) var<storage, read_write> cells: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    cells[i] = min(viable[i] + doomed[i], 1.0) * (1.0 - u.switch_share * hif[i]);
}
