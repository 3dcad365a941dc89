// reduce_sum: second pass of a two-pass reduction. One workgroup adds every element of
// `partials` and writes the total to total[0]. Units are the caller's.
// Uses shared/workgroup_sum.wgsl.
// Bindings (group 0): 0 partials (read), 1 total (rw, one element).
// CPU twin: a plain sum (src/backend/cpu/o2_residual.rs sums planes in f64).

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> total: array<f32>;

@compute @workgroup_size(256)
fn reduce_sum(@builtin(local_invocation_index) lid: u32) {
    var acc = 0.0;
    let n = arrayLength(&partials);
    for (var i = lid; i < n; i += WG) {
        acc += partials[i];
    }
    let sum = workgroup_sum(lid, acc);
    if (lid == 0u) {
        total[0] = sum;
    }
}
