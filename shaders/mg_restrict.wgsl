// mg_restrict: fine level → coarse level. Each coarse cell (I, J, K) covers the fine
// cells 2I..2I+1 (and likewise in y, z) that exist (odd sizes leave the last coarse
// cell narrower). It takes the volume-weighted mean of its children's pO2 (R̂·P_h, also
// kept in po2_old to form the correction later) and of their residuals (R·r_h, into
// rhs, which mg_coarse_rhs completes); a child on the fine level's last cell of an axis
// weighs that cell's relative width φ (O2Problem::cell_volume).
// Bindings (group 0): 0 params (uniform), 1 fine po2 (mmHg), 2 fine resid (mmHg/s),
// 3 coarse po2 (rw), 4 coarse po2_old (rw), 5 coarse rhs (rw).
// CPU twin: `restrict` in src/backend/cpu/mg_transfer.rs.

// Keep in sync with `MgTransferGpu` in src/backend/gpu/mg_transfer.rs.
struct Transfer {
    fine: vec4<u32>,   // nx, ny, nz, unused
    coarse: vec4<u32>, // nx, ny, nz, unused
    fine_edge: vec4<f32>, // fine level's last-cell relative widths φ (x, y, z), unused
};

@group(0) @binding(0) var<uniform> tp: Transfer;
@group(0) @binding(1) var<storage, read> fine_po2: array<f32>;
@group(0) @binding(2) var<storage, read> fine_resid: array<f32>;
@group(0) @binding(3) var<storage, read_write> coarse_po2: array<f32>;
@group(0) @binding(4) var<storage, read_write> coarse_po2_old: array<f32>;
@group(0) @binding(5) var<storage, read_write> coarse_rhs: array<f32>;

@compute @workgroup_size(32, 4, 2)
fn mg_restrict(@builtin(global_invocation_id) gid: vec3<u32>) {
    let cn = tp.coarse.xyz;
    let fn_ = tp.fine.xyz;
    if (gid.x >= cn.x || gid.y >= cn.y || gid.z >= cn.z) { return; }
    var sum_p = 0.0;
    var sum_r = 0.0;
    var count = 0.0;
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
                sum_p += w * fine_po2[f];
                sum_r += w * fine_resid[f];
                count += w;
            }
        }
    }
    let c = (gid.z * cn.y + gid.y) * cn.x + gid.x;
    let p = sum_p / count;
    coarse_po2[c] = p;
    coarse_po2_old[c] = p;
    coarse_rhs[c] = sum_r / count;
}
