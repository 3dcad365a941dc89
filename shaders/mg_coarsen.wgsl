// mg_coarsen: the coefficients of a multigrid coarse level from the level below, on the
// device (issue 19: no host hierarchy). Each coarse cell (I, J, K) covers the fine cells
// 2I..2I+1 (and likewise in y, z) that exist; a child on the fine level's last cell of
// an axis weighs that cell's relative width φ (O2Problem::cell_volume), as mg_restrict:
// - n and Sv: the volume-weighted mean of the children;
// - Pb: the wall-area-weighted mean (Σ w·Sv·Pb / Σ w·Sv; 0 without wall), so the coarse
//   supply Γ·Pb is the mean of the children's;
// - fixed: the mean of the fixed children when all are fixed, or when any is and the
//   mixed-cell coupling below does not apply (fine_edge.w = 0); else −1 (free);
// - a mixed cell (fixed and free children, fine_edge.w > 0) is free and carries its
//   fixed children as exchange Γ_f = w·pairs/free in Sv units, toward their mean value
//   (pairs: faces between its fixed children and free fine voxels; see
//   problem::hierarchy for the derivation). fine_edge.w = 0 (no wall exchange): a
//   mixed cell is fixed.
// The host reference in f64 is problem::hierarchy::coarsen.
// Bindings (group 0): 0 transfer sizes (uniform, `Transfer` of mg_restrict), 1 fine Sv,
// 2 fine Pb, 3 fine n, 4 fine fixed (read); 5 coarse Sv, 6 coarse Pb, 7 coarse n,
// 8 coarse fixed (rw). CPU twin: `coarsen` in src/backend/cpu/mg_transfer.rs.

// Keep in sync with `MgTransferGpu` in src/backend/gpu/mg_transfer.rs.
struct Transfer {
    fine: vec4<u32>,   // nx, ny, nz, unused
    coarse: vec4<u32>, // nx, ny, nz, unused
    fine_edge: vec4<f32>, // fine level's last-cell relative widths φ (x, y, z); w: mixed-cell coupling
};

@group(0) @binding(0) var<uniform> tp: Transfer;
@group(0) @binding(1) var<storage, read> fine_sv: array<f32>;
@group(0) @binding(2) var<storage, read> fine_pb: array<f32>;
@group(0) @binding(3) var<storage, read> fine_viable: array<f32>;
@group(0) @binding(4) var<storage, read> fine_fixed: array<f32>;
@group(0) @binding(5) var<storage, read_write> coarse_sv: array<f32>;
@group(0) @binding(6) var<storage, read_write> coarse_pb: array<f32>;
@group(0) @binding(7) var<storage, read_write> coarse_viable: array<f32>;
@group(0) @binding(8) var<storage, read_write> coarse_fixed: array<f32>;

fn is_fixed_at(i: i32, j: i32, k: i32, dims: vec3<u32>) -> bool {
    return fine_fixed[(u32(k) * dims.y + u32(j)) * dims.x + u32(i)] >= 0.0;
}

// Faces between the fixed fine cell (i, j, k) and free fine cells.
fn free_faces(i: u32, j: u32, k: u32, dims: vec3<u32>) -> f32 {
    let d = vec3<i32>(dims);
    let c = vec3<i32>(i32(i), i32(j), i32(k));
    var pairs = 0.0;
    let steps = array<vec3<i32>, 6>(
        vec3<i32>(-1, 0, 0), vec3<i32>(1, 0, 0), vec3<i32>(0, -1, 0),
        vec3<i32>(0, 1, 0), vec3<i32>(0, 0, -1), vec3<i32>(0, 0, 1),
    );
    for (var s = 0u; s < 6u; s++) {
        let q = c + steps[s];
        if (all(q >= vec3<i32>(0)) && all(q < d) && !is_fixed_at(q.x, q.y, q.z, dims)) {
            pairs += 1.0;
        }
    }
    return pairs;
}

@compute @workgroup_size(32, 4, 2)
fn mg_coarsen(@builtin(global_invocation_id) gid: vec3<u32>) {
    let cn = tp.coarse.xyz;
    let fn_ = tp.fine.xyz;
    if (gid.x >= cn.x || gid.y >= cn.y || gid.z >= cn.z) { return; }
    var n = 0.0;
    var sv = 0.0;
    var svpb = 0.0;
    var fixed_sum = 0.0;
    var fixed_count = 0.0;
    var volume = 0.0;
    var pairs = 0.0;
    var free = 0.0;
    for (var dz = 0u; dz < 2u; dz++) {
        let k = 2u * gid.z + dz;
        if (k >= fn_.z) { continue; }
        let wz = select(1.0, tp.fine_edge.z, k + 1u == fn_.z);
        for (var dy = 0u; dy < 2u; dy++) {
            let j = 2u * gid.y + dy;
            if (j >= fn_.y) { continue; }
            let wy = select(1.0, tp.fine_edge.y, j + 1u == fn_.y);
            for (var dx = 0u; dx < 2u; dx++) {
                let i = 2u * gid.x + dx;
                if (i >= fn_.x) { continue; }
                let f = (k * fn_.y + j) * fn_.x + i;
                let w = select(1.0, tp.fine_edge.x, i + 1u == fn_.x) * wy * wz;
                n += w * fine_viable[f];
                let wsv = w * fine_sv[f];
                sv += wsv;
                svpb += wsv * fine_pb[f];
                if (fine_fixed[f] >= 0.0) {
                    fixed_sum += fine_fixed[f];
                    fixed_count += 1.0;
                    pairs += free_faces(i, j, k, fn_);
                } else {
                    free += 1.0;
                }
                volume += w;
            }
        }
    }
    let c = (gid.z * cn.y + gid.y) * cn.x + gid.x;
    let sv_mean = sv / volume;
    let pb_mean = select(0.0, svpb / sv, sv > 0.0);
    coarse_viable[c] = n / volume;
    if (fixed_count > 0.0 && free > 0.0 && tp.fine_edge.w > 0.0) {
        let g = tp.fine_edge.w * pairs / free;
        let sv_c = sv_mean + g;
        coarse_sv[c] = sv_c;
        coarse_pb[c] = (sv_mean * pb_mean + g * (fixed_sum / fixed_count)) / sv_c;
        coarse_fixed[c] = -1.0;
    } else {
        coarse_sv[c] = sv_mean;
        coarse_pb[c] = pb_mean;
        coarse_fixed[c] = select(-1.0, fixed_sum / fixed_count, fixed_count > 0.0);
    }
}
