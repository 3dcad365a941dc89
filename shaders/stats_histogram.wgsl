// stats_histogram: the exact masked median by radix selection on the device. Values
// are mapped to u32 keys that order as f32::total_cmp; four rounds each resolve 8 bits
// of the keys of the two middle ranks ((n−1)/2 and n/2; equal for odd n): `histogram`
// counts the masked keys that share the bits resolved so far into 256 bins of the next
// 8 bits (u32 atomics: the counts, unlike float sums, do not depend on scheduling),
// then `select_digit` (one workgroup) finds the bin holding each rank. After the
// fourth round the state holds both middle keys exactly; the host reads 24 bytes.
// Bindings (group 0): 0 mask (read; a voxel counts where mask != 0), 1 field (read),
// 2 counts (rw, 2 × 256 bins, zero between rounds), 3 state (rw; zero before the first
// round). CPU twin: median_slices in src/backend/stats.rs.

// Keep in sync with `MedianState` in src/backend/gpu/stats.rs.
struct State {
    // Masked voxels (set by the first round).
    n: u32,
    // Rounds done (0–4).
    digit: u32,
    // Per middle rank: its rank among the keys that share `prefix`.
    rank: vec2<u32>,
    // Per middle rank: the key bits resolved so far (8 per round).
    prefix: vec2<u32>,
}

@group(0) @binding(0) var<storage, read> mask: array<f32>;
@group(0) @binding(1) var<storage, read> field: array<f32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>, 512>;
@group(0) @binding(3) var<storage, read_write> state: State;

const WG: u32 = 256u;

// The key of x: unsigned order of keys == f32::total_cmp order of values.
fn order_key(x: f32) -> u32 {
    let b = bitcast<u32>(x);
    if ((b & 0x80000000u) != 0u) {
        return ~b;
    }
    return b | 0x80000000u;
}

var<workgroup> hist: array<atomic<u32>, 512>;

@compute @workgroup_size(256)
fn histogram(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    atomicStore(&hist[lid], 0u);
    atomicStore(&hist[lid + WG], 0u);
    let digit = state.digit;
    let prefix = state.prefix;
    workgroupBarrier();
    let shift = 24u - 8u * digit;
    let n = arrayLength(&field);
    for (var idx = gid.x; idx < n; idx += nwg.x * WG) {
        if (mask[idx] != 0.0) {
            let key = order_key(field[idx]);
            let bin = (key >> shift) & 255u;
            for (var t = 0u; t < 2u; t++) {
                // `||` short-circuits: no shift by 32 in the first round.
                if (digit == 0u || (key >> (shift + 8u)) == prefix[t]) {
                    atomicAdd(&hist[t * WG + bin], 1u);
                }
            }
        }
    }
    workgroupBarrier();
    for (var t = 0u; t < 2u; t++) {
        let c = atomicLoad(&hist[t * WG + lid]);
        if (c > 0u) {
            atomicAdd(&counts[t * WG + lid], c);
        }
    }
}

var<workgroup> scan: array<u32, 256>;
var<workgroup> st: State;

@compute @workgroup_size(256)
fn select_digit(@builtin(local_invocation_index) lid: u32) {
    if (lid == 0u) {
        st = state;
    }
    workgroupBarrier();
    let digit = st.digit;
    for (var t = 0u; t < 2u; t++) {
        let c = atomicLoad(&counts[t * WG + lid]);
        // Inclusive prefix sum of the bins (Hillis–Steele).
        scan[lid] = c;
        workgroupBarrier();
        for (var off = 1u; off < WG; off = off * 2u) {
            var v = 0u;
            if (lid >= off) {
                v = scan[lid - off];
            }
            workgroupBarrier();
            scan[lid] += v;
            workgroupBarrier();
        }
        let incl = scan[lid];
        let excl = incl - c;
        if (digit == 0u && t == 0u && lid == WG - 1u) {
            // The first round counts every masked voxel: n, and the middle ranks.
            st.n = incl;
            if (incl > 0u) {
                st.rank = vec2<u32>((incl - 1u) / 2u, incl / 2u);
            }
        }
        workgroupBarrier();
        let r = st.rank[t];
        workgroupBarrier();
        if (c > 0u && excl <= r && r < incl) {
            st.rank[t] = r - excl;
            st.prefix[t] = (st.prefix[t] << 8u) | lid;
        }
        // Ready for the next round's histogram.
        atomicStore(&counts[t * WG + lid], 0u);
        workgroupBarrier();
    }
    if (lid == 0u) {
        st.digit = digit + 1u;
        state = st;
    }
}
