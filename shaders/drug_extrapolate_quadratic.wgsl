// drug_extrapolate_quadratic: the warm start of an implicit sub-step from the last three
// of equal length, in place: x ← max(x_prev2 + 3·(x − x_prev), 0) (the parabola through
// the three), x_prev2 ← x_prev and x_prev ← x (the old values). A concentration moves
// smoothly between sub-steps, so the parabola starts the next solve about thirty times
// nearer its solution than the line through two (drug_extrapolate.wgsl); the solve
// still converges to its tolerance from whatever start. 3·d is d + d + d, so no
// multiply is there to fuse and the GPU gives the CPU twin's bits.
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms; 1 x (µM), 2 x_prev (µM), 3 x_prev2 (µM) (rw).
// CPU twin: `ExtrapolateQuadratic` in src/backend/drug_fields.rs.

@group(0) @binding(0) var<uniform> head: Head;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> x_prev: array<f32>;
@group(0) @binding(3) var<storage, read_write> x_prev2: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(head, gid);
    if (i >= head.len) { return; }
    let now = x[i];
    let prev = x_prev[i];
    let d = now - prev;
    x[i] = max(x_prev2[i] + (d + d + d), 0.0);
    x_prev2[i] = prev;
    x_prev[i] = now;
}
