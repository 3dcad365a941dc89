// Shared by the pointwise kernels (prepended at load time): the head every pointwise
// uniform block begins with, and the voxel index of a 2D dispatch of 256-wide
// workgroups. Mirrors `Head` in src/backend/pointwise.rs.

struct Head {
    len: u32, // voxels
    row: u32, // invocations per dispatch row
    p0: u32,
    p1: u32,
};

// The voxel of invocation `gid`, or `len` and above past the end.
fn voxel_index(head: Head, gid: vec3<u32>) -> u32 {
    return gid.x + gid.y * head.row;
}
