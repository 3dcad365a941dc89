// drug_prodrug_step: the coefficients of the prodrug's implicit (backward Euler) step in
// the O2 form (src/drugs/problem.rs): at a free voxel, wall = Pv·Sv,
// Γ = wall + k(P)·n + ku·n + 1/Δt (1/s), S = wall·Cp + C_old/Δt (µM/s); sv = Γ,
// pb = S/Γ (µM), fixed = −1 (free). At a voxel with a fixed pO2: sv = pb = 0 and
// fixed = Cp (the bath). Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 vessel Sv (1/µm), 2 viable n, 3 fixed pO2 (mmHg),
// 4 activation k(P)·n (1/s), 5 C_old (µM) (read); 6 sv, 7 pb, 8 fixed (rw).
// CPU twin: `ProdrugStep` in src/backend/drug_fields.rs.

struct U {
    head: Head,
    permeability: f32, // Pv (µm/s)
    uptake: f32,       // ku (1/s)
    inv_dt: f32,       // 1/Δt (1/s)
    plasma: f32,       // Cp at the end of the step (µM), the bath
    p4: f32,
    p5: f32,
    p6: f32,
    p7: f32,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> vessel_sv: array<f32>;
@group(0) @binding(2) var<storage, read> viable: array<f32>;
@group(0) @binding(3) var<storage, read> fixed_o2: array<f32>;
@group(0) @binding(4) var<storage, read> activation: array<f32>;
@group(0) @binding(5) var<storage, read> old: array<f32>;
@group(0) @binding(6) var<storage, read_write> sv: array<f32>;
@group(0) @binding(7) var<storage, read_write> pb: array<f32>;
@group(0) @binding(8) var<storage, read_write> fixed_value: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    if (fixed_o2[i] >= 0.0) {
        sv[i] = 0.0;
        pb[i] = 0.0;
        fixed_value[i] = u.plasma;
        return;
    }
    let wall = u.permeability * vessel_sv[i];
    let gamma = wall + activation[i] + u.uptake * viable[i] + u.inv_dt;
    let source = wall * u.plasma + old[i] * u.inv_dt;
    sv[i] = gamma;
    pb[i] = source / gamma;
    fixed_value[i] = -1.0;
}
