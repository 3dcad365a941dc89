// stats_reduce: first pass of one masked reduction (Σx, Σx², Σexp(−κx), #x<t, min,
// max; see shared/stats_ops.wgsl). Each workgroup combines its voxels (grid-stride
// loop) and writes one partial; stats_combine.wgsl combines the partials. No float
// atomics: the result does not depend on scheduling.
// Uses shared/stats_ops.wgsl.
// Bindings (group 0): 0 mask (read; a voxel counts where mask != 0), 1 field (read,
// the caller's units), 2 item (uniform), 3 partials (rw, this item's slice, one
// (hi, lo) pair per workgroup). CPU twin: reduce_slices in src/backend/stats.rs.

@group(0) @binding(0) var<storage, read> mask: array<f32>;
@group(0) @binding(1) var<storage, read> field: array<f32>;
@group(0) @binding(2) var<uniform> item: Item;
@group(0) @binding(3) var<storage, read_write> partials: array<vec2<f32>>;

// The partial result of one selected value x.
fn term(kind: u32, a: f32, x: f32) -> vec2<f32> {
    switch kind {
        case KIND_SUM_SQ: {
            return vec2<f32>(x * x, 0.0);
        }
        case KIND_SUM_EXP_NEG: {
            return vec2<f32>(exp(-a * x), 0.0);
        }
        case KIND_COUNT_BELOW: {
            return vec2<f32>(select(0.0, 1.0, x < a), 0.0);
        }
        case KIND_MIN, KIND_MAX: {
            return vec2<f32>(x, 1.0);
        }
        default: {
            return vec2<f32>(x, 0.0);
        }
    }
}

@compute @workgroup_size(256)
fn stats_reduce(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let kind = item.kind;
    let one = item.one;
    var acc = vec2<f32>(0.0, 0.0);
    let stride = nwg.x * WG;
    for (var idx = gid.x; idx < item.n; idx += stride) {
        if (mask[idx] != 0.0) {
            acc = combine(kind, one, acc, term(kind, item.a, field[idx]));
        }
    }
    let total = workgroup_combine(lid, kind, one, acc);
    if (lid == 0u) {
        partials[wid.x] = total;
    }
}
