// Shared by stats_reduce.wgsl and stats_combine.wgsl (prepended at load time): the
// reduction kinds, the per-item parameters, and the combine of two partial results.
//
// A partial result is a pair (hi, lo):
// - sums and counts: a compensated sum, value = hi + lo (TwoSum keeps the rounding
//   error of every addition in lo, so the sum is accurate to about f32 ε² per step
//   instead of f32 ε; counts are integers below 2²⁴ in each part, so they stay exact);
// - min and max: (value, 1) once a voxel was seen, (0, 0) before, so an empty mask
//   gives 0 and no infinity is needed.
// The order of combines is fixed by the dispatch sizes, so results are deterministic.

const WG: u32 = 256u;

const KIND_SUM: u32 = 0u;
const KIND_SUM_SQ: u32 = 1u;
const KIND_SUM_EXP_NEG: u32 = 2u;
const KIND_COUNT_BELOW: u32 = 3u;
const KIND_MIN: u32 = 4u;
const KIND_MAX: u32 = 5u;

// One reduction item. Keep in sync with `ItemParams` in src/backend/gpu/stats.rs.
struct Item {
    kind: u32,
    // Voxels in the mask and the field.
    n: u32,
    // First-pass workgroups, i.e. partials of this item.
    groups: u32,
    // κ (SumExpNeg) or the threshold (CountBelow), in the field's units.
    a: f32,
    // Always 1.0. Multiplying by a value the compiler cannot see keeps it from
    // rewriting TwoSum's error terms away ((a + b) − a → b is allowed for inexact
    // float operations, and Mesa's NIR does it: on lavapipe, Σx over 64³ was exact
    // with this and off by 6e-8 without); the product by 1 is exact.
    one: f32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

// The combine of two partial results of kind `kind` (see the top of this file).
fn combine(kind: u32, one: f32, a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    if (kind == KIND_MIN || kind == KIND_MAX) {
        if (a.y == 0.0) {
            return b;
        }
        if (b.y == 0.0) {
            return a;
        }
        if (kind == KIND_MIN) {
            return vec2<f32>(min(a.x, b.x), 1.0);
        }
        return vec2<f32>(max(a.x, b.x), 1.0);
    }
    // Knuth's TwoSum: s + e == a.x + b.x exactly.
    let s = (a.x + b.x) * one;
    let bv = (s - a.x) * one;
    let e = (a.x - (s - bv)) + (b.x - bv);
    return vec2<f32>(s, (a.y + b.y) + e);
}

var<workgroup> scratch: array<vec2<f32>, 256>;

// The combine of `value` over the workgroup (a fixed tree), returned to every
// invocation. Call from uniform control flow (it contains barriers).
fn workgroup_combine(lid: u32, kind: u32, one: f32, value: vec2<f32>) -> vec2<f32> {
    scratch[lid] = value;
    workgroupBarrier();
    for (var off = WG / 2u; off > 0u; off = off / 2u) {
        if (lid < off) {
            scratch[lid] = combine(kind, one, scratch[lid], scratch[lid + off]);
        }
        workgroupBarrier();
    }
    return scratch[0];
}
