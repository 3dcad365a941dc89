// csr_mean: the weighted mean of x over each row of a sparse matrix by rows,
// out[r] = Σ w·x[col] / Σ w over entries row_start[r]..row_start[r + 1] (0 for a row
// without weight), summed in entry order. A gathering pointwise kernel
// (src/backend/pointwise.rs): one invocation per row. Row starts and columns are u32
// bits in f32 arrays. The blood coupling gathers the wall pO2 at each vessel ring and
// spreads the rings' blood pO2 to the voxels with it.
// Bindings (group 0): 0 uniforms, 1 row starts, 2 columns, 3 weights, 4 x (read);
// 5 out (rw). CPU twin: `CsrMean` in src/backend/gather.rs.

struct U {
    head: Head, // len: rows
    p0: vec4<f32>,
    p1: vec4<f32>,
    p2: vec4<f32>,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> row_start: array<f32>;
@group(0) @binding(2) var<storage, read> col: array<f32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = voxel_index(u.head, gid);
    if (r >= u.head.len) { return; }
    let a = bitcast<u32>(row_start[r]);
    let b = bitcast<u32>(row_start[r + 1u]);
    var sw = 0.0;
    var s = 0.0;
    for (var e = a; e < b; e++) {
        let w = weight[e];
        sw += w;
        s += w * x[bitcast<u32>(col[e])];
    }
    out[r] = select(0.0, s / sw, sw > 0.0);
}
