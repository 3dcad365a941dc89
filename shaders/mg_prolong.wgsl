// mg_prolong: coarse correction → fine level. The correction e = P_H − R̂·P_h is
// interpolated trilinearly at cell centres (weights 3/4 and 1/4 per axis from the two
// nearest coarse cells, clamped at the faces; beside a narrow last coarse cell of an
// odd axis the weights are those of a uniform grid, an approximation that leaves the
// coarse equations themselves exact) and added to every free fine voxel;
// pO2 stays ≥ 0. Fixed coarse cells carry e = 0.
// Bindings (group 0): 0 params (uniform), 1 coarse po2, 2 coarse po2_old, 3 fine po2
// (rw), 4 fine fixed_value (mmHg; < 0 free).
// CPU twin: `prolong` in src/backend/cpu/mg_transfer.rs.

// Keep in sync with `MgTransferGpu` in src/backend/gpu/mg_transfer.rs.
struct Transfer {
    fine: vec4<u32>,
    coarse: vec4<u32>,
    fine_edge: vec4<f32>, // read by mg_restrict only
};

@group(0) @binding(0) var<uniform> tp: Transfer;
@group(0) @binding(1) var<storage, read> coarse_po2: array<f32>;
@group(0) @binding(2) var<storage, read> coarse_po2_old: array<f32>;
@group(0) @binding(3) var<storage, read_write> fine_po2: array<f32>;
@group(0) @binding(4) var<storage, read> fine_fixed: array<f32>;

// Coarse neighbours along one axis of fine index i: (near, far) and far's weight 1/4.
fn axis_pair(i: u32, n: u32) -> vec2<u32> {
    let near = i / 2u;
    var far = near;
    if ((i & 1u) == 0u) {
        if (near > 0u) { far = near - 1u; }
    } else {
        if (near + 1u < n) { far = near + 1u; }
    }
    return vec2<u32>(near, far);
}

fn correction(i: u32, j: u32, k: u32) -> f32 {
    let c = (k * tp.coarse.y + j) * tp.coarse.x + i;
    return coarse_po2[c] - coarse_po2_old[c];
}

@compute @workgroup_size(32, 4, 2)
fn mg_prolong(@builtin(global_invocation_id) gid: vec3<u32>) {
    let fn_ = tp.fine.xyz;
    if (gid.x >= fn_.x || gid.y >= fn_.y || gid.z >= fn_.z) { return; }
    let f = (gid.z * fn_.y + gid.y) * fn_.x + gid.x;
    if (fine_fixed[f] >= 0.0) { return; }
    let px = axis_pair(gid.x, tp.coarse.x);
    let py = axis_pair(gid.y, tp.coarse.y);
    let pz = axis_pair(gid.z, tp.coarse.z);
    let w = vec2<f32>(0.75, 0.25);
    var e = 0.0;
    for (var a = 0u; a < 2u; a++) {
        for (var b = 0u; b < 2u; b++) {
            for (var d = 0u; d < 2u; d++) {
                e += w[a] * w[b] * w[d] * correction(px[a], py[b], pz[d]);
            }
        }
    }
    fine_po2[f] = max(fine_po2[f] + e, 0.0);
}
