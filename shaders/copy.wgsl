// copy: dst = src, 16 bytes per invocation in a grid-stride loop: the bench's reference
// for the device's memory bandwidth, a compute kernel timed like the smoother (by
// timestamps where the adapter has them), not the copy engine.
// Bindings (group 0): 0 src (read), 1 dst (rw); any units, the same length.
// CPU twin: `copy_bandwidth` in src/backend/cpu/mod.rs (slice copies, in parallel).

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(256)
fn copy(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let n = arrayLength(&src);
    let stride = groups.x * 256u;
    for (var i = gid.x; i < n; i += stride) {
        dst[i] = src[i];
    }
}
