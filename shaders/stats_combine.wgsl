// stats_combine: second pass of the masked reductions. Workgroup i combines the
// partials of item i (written by stats_reduce.wgsl) in a fixed order and writes one
// (hi, lo) pair; the host adds hi + lo in f64. Uses shared/stats_ops.wgsl.
// Bindings (group 0): 0 items (read; one 256-byte slot per item, the same buffer the
// first pass binds as uniforms), 1 partials (read; MAX_GROUPS pairs per item),
// 2 results (rw, one pair per item). CPU twin: reduce_slices in src/backend/stats.rs.

// Partials per item. Keep in sync with MAX_GROUPS in src/backend/gpu/stats.rs.
const MAX_GROUPS: u32 = 2048u;

// One item padded to the 256-byte stride that lets the first pass bind it as a uniform.
struct Slot {
    item: Item,
    pad: array<vec4<u32>, 14>,
}

@group(0) @binding(0) var<storage, read> items: array<Slot>;
@group(0) @binding(1) var<storage, read> partials: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> results: array<vec2<f32>>;

@compute @workgroup_size(256)
fn stats_combine(
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let it = items[wid.x].item;
    let base = wid.x * MAX_GROUPS;
    var acc = vec2<f32>(0.0, 0.0);
    for (var g = lid; g < it.groups; g += WG) {
        acc = combine(it.kind, it.one, acc, partials[base + g]);
    }
    let total = workgroup_combine(lid, it.kind, it.one, acc);
    if (lid == 0u) {
        results[wid.x] = total;
    }
}
