// po2_band: 1 where the voxel is in the region (region != 0) and its pO2 lies in the
// band [lo, hi), else 0: the masks of the radiotherapy endpoints (pre-treatment pO2
// bands, made once at t = 0; the currently hypoxic voxels, made each step), which the
// masked reductions (stats_reduce.wgsl) then sum the viable cells over.
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 region (1/0), 2 pO2 (mmHg) (read); 3 mask (rw).
// CPU twin: `Po2Band` in src/backend/o2_coefficients.rs.

struct U {
    head: Head,
    lo: f32, // lower band edge (mmHg), included
    hi: f32, // upper band edge (mmHg), excluded
    p0: f32,
    p1: f32,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> region: array<f32>;
@group(0) @binding(2) var<storage, read> po2: array<f32>;
@group(0) @binding(3) var<storage, read_write> mask: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    let p = po2[i];
    mask[i] = select(0.0, 1.0, region[i] != 0.0 && p >= u.lo && p < u.hi);
}
