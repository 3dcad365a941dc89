// drug_metabolite_step: the coefficients of the (diffusing) active metabolite's implicit
// step in the O2 form (src/drugs/problem.rs): at a free voxel Γ = λA + 1/Δt (uniform,
// 1/s), S = k(P)·n·C + A_old/Δt (µM/s); sv = Γ, pb = S/Γ (µM), fixed = −1 (free). At a
// voxel with a fixed pO2: sv = pb = 0 and fixed = 0 (no metabolite in the bath).
// Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 fixed pO2 (mmHg), 2 activation k(P)·n (1/s),
// 3 C (µM, end of step), 4 A_old (µM) (read); 5 sv, 6 pb, 7 fixed (rw).
// CPU twin: `MetaboliteStep` in src/backend/drug_fields.rs.

struct U {
    head: Head,
    gamma: f32,  // λA + 1/Δt (1/s)
    inv_dt: f32, // 1/Δt (1/s)
    p2: f32,
    p3: f32,
    p4: f32,
    p5: f32,
    p6: f32,
    p7: f32,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> fixed_o2: array<f32>;
@group(0) @binding(2) var<storage, read> activation: array<f32>;
@group(0) @binding(3) var<storage, read> prodrug: array<f32>;
@group(0) @binding(4) var<storage, read> old: array<f32>;
@group(0) @binding(5) var<storage, read_write> sv: array<f32>;
@group(0) @binding(6) var<storage, read_write> pb: array<f32>;
@group(0) @binding(7) var<storage, read_write> fixed_value: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    if (fixed_o2[i] >= 0.0) {
        sv[i] = 0.0;
        pb[i] = 0.0;
        fixed_value[i] = 0.0;
        return;
    }
    sv[i] = u.gamma;
    pb[i] = (activation[i] * prodrug[i] + old[i] * u.inv_dt) / u.gamma;
    fixed_value[i] = -1.0;
}
