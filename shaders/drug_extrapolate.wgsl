// drug_extrapolate: the warm start of an implicit sub-step from the last two of equal
// length, in place: x ← max(2x − x_prev, 0) and x_prev ← x (the old x). The
// concentration moves smoothly between sub-steps, so the line through the last two is
// nearer the next than the last alone and the solve needs fewer cycles; the solve still
// converges to its tolerance from whatever start. 2x is exact, so a fused multiply–add
// gives the CPU twin's bits. Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms; 1 x (µM), 2 x_prev (µM) (rw).
// CPU twin: `Extrapolate` in src/backend/drug_fields.rs.

@group(0) @binding(0) var<uniform> head: Head;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> x_prev: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(head, gid);
    if (i >= head.len) { return; }
    let now = x[i];
    x[i] = max(2.0 * now - x_prev[i], 0.0);
    x_prev[i] = now;
}
