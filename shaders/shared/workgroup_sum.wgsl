// Shared by o2_residual.wgsl and reduce_sum.wgsl (prepended at load time): a tree sum
// over one 256-invocation workgroup in workgroup memory. Every invocation of the
// workgroup must call it, from uniform control flow (it contains barriers).

const WG: u32 = 256u;
var<workgroup> scratch: array<f32, 256>;

// The sum of `value` over the workgroup, returned to every invocation.
fn workgroup_sum(lid: u32, value: f32) -> f32 {
    scratch[lid] = value;
    workgroupBarrier();
    for (var off = WG / 2u; off > 0u; off = off / 2u) {
        if (lid < off) {
            scratch[lid] += scratch[lid + off];
        }
        workgroupBarrier();
    }
    return scratch[0];
}
