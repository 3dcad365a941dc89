// tissue: the per-voxel tissue-state kernels (MODEL.md §4) on the viable fraction n,
// the dead fraction d and the doomed fraction l (lethally irradiated, still respiring),
// each in [0, 1]. Only region voxels (region != 0.0) change.
//   irradiate: one radiotherapy fraction, S = exp(−(α·mα·D + β·(mβ·D)²)) with the
//              oxygen modification m(P) = (m·P + K)/(m·(P + K)) and D = dose × rel. dose
//              (1 without a dose map); n·(1 − S) moves from n to l.
//   kill:      a part 1 − e^(−x) of n moves to l, x the per-voxel log-kill held in the
//              dose_map binding (drug kill from an exposure).
//   step:      the kinetics over one slow step: anoxic necrosis of n and l (pO2 < Pn),
//              mitotic death of l, clearance of d, logistic regrowth toward the free
//              space 1 − l − d, and HIF h relaxing toward h∞(P) (τ↑ rising, τ↓
//              falling).
// Every constant uniform over the grid (exponentials over the step, ln2/Td·Δt) comes
// from the host, so both backends start from the same f32 numbers; the operations below
// are those of the CPU twin in the same order (keep in sync).
// Bindings (group 0): 0 u (uniform TissueUniforms); 1 region (f32, 1.0: evolves);
// 2 viable n (rw); 3 dead d (rw); 4 po2 (mmHg); 5 dose_map (relative dose, read only
// when u.dims.w != 0; the log-kill in `kill`; `step` does not bind it); 6 doomed l
// (rw); 7 hif h (rw, `step` only). `irradiate` and `kill` do not bind d; `kill` does not
// bind po2.
// CPU twin: src/backend/cpu/tissue.rs and src/backend/tissue.rs.

// Keep in sync with `TissueUniforms` in src/backend/tissue.rs (96 bytes).
struct TissueUniforms {
    dims: vec4<u32>,           // nx, ny, nz, 1 when a dose map is used
    dose_gy: f32,              // Gy; 0 in step calls
    alpha_per_gy: f32,         // 1/Gy
    beta_per_gy2: f32,         // 1/Gy²
    oer_m_alpha: f32,          // OER of the α term
    oer_m_beta: f32,           // OER of the β term
    oer_k_mmhg: f32,           // mmHg
    necrosis_po2_mmhg: f32,    // mmHg
    necrosis_keep: f32,        // e^(−kn·Δt)
    clearance_keep: f32,       // e^(−ln2·Δt/t½)
    growth_rate_dt: f32,       // ln2/Td·Δt
    growth_k_mmhg: f32,        // mmHg
    doomed_keep: f32,          // e^(−Δt/τ), 0 without a mitotic delay
    hif_k_mmhg: f32,           // Kh
    hif_hill: f32,             // n
    hif_keep_up: f32,          // e^(−Δt/τ↑)
    hif_keep_down: f32,        // e^(−Δt/τ↓)
    hif_scale: f32,            // 1 − inhibition
    pad0: f32,
    pad1: f32,
    pad2: f32,
}

@group(0) @binding(0) var<uniform> u: TissueUniforms;
@group(0) @binding(1) var<storage, read> region: array<f32>;
@group(0) @binding(2) var<storage, read_write> viable: array<f32>;
@group(0) @binding(3) var<storage, read_write> dead: array<f32>;
@group(0) @binding(4) var<storage, read> po2: array<f32>;
@group(0) @binding(5) var<storage, read> dose_map: array<f32>;
@group(0) @binding(6) var<storage, read_write> doomed: array<f32>;
@group(0) @binding(7) var<storage, read_write> hif: array<f32>;

// h∞(P) = s/(1 + (P/Kh)ⁿ), s at P ≤ 0 (pow of 0 is left alone).
fn hif_target(p: f32) -> f32 {
    if (p > 0.0) {
        return u.hif_scale / (1.0 + pow(p / u.hif_k_mmhg, u.hif_hill));
    }
    return u.hif_scale;
}

// The flat C-order index of a region voxel, or -1 outside the grid or the region.
fn region_index(gid: vec3<u32>) -> i32 {
    if (gid.x >= u.dims.x || gid.y >= u.dims.y || gid.z >= u.dims.z) { return -1; }
    let idx = (gid.z * u.dims.y + gid.y) * u.dims.x + gid.x;
    if (!(region[idx] != 0.0)) { return -1; }
    return i32(idx);
}

@compute @workgroup_size(32, 4, 2)
fn irradiate(@builtin(global_invocation_id) gid: vec3<u32>) {
    let at = region_index(gid);
    if (at < 0) { return; }
    let idx = u32(at);
    let n = viable[idx];
    let l = doomed[idx];
    var rel_dose = 1.0;
    if (u.dims.w != 0u) {
        rel_dose = dose_map[idx];
    }
    let p = max(po2[idx], 0.0);
    let k = u.oer_k_mmhg;
    let ma = (u.oer_m_alpha * p + k) / (u.oer_m_alpha * (p + k));
    let mb = (u.oer_m_beta * p + k) / (u.oer_m_beta * (p + k));
    let dose = u.dose_gy * rel_dose;
    let db = mb * dose;
    let s = clamp(exp(-((u.alpha_per_gy * ma) * dose + (u.beta_per_gy2 * db) * db)), 0.0, 1.0);
    let killed = n * (1.0 - s);
    viable[idx] = clamp(n - killed, 0.0, 1.0);
    doomed[idx] = clamp(l + killed, 0.0, 1.0);
}

@compute @workgroup_size(32, 4, 2)
fn step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let at = region_index(gid);
    if (at < 0) { return; }
    let idx = u32(at);
    var n = viable[idx];
    var d = dead[idx];
    var l = doomed[idx];
    let po2_here = po2[idx];
    if (po2_here < u.necrosis_po2_mmhg) {
        let lost = 1.0 - u.necrosis_keep;
        let dn = n * lost;
        let dl = l * lost;
        n = n - dn;
        l = l - dl;
        d = d + (dn + dl);
    }
    let died = l * (1.0 - u.doomed_keep);
    l = l - died;
    d = d + died;
    d = d * u.clearance_keep;
    let room = (1.0 - d) - l;
    if (u.growth_rate_dt > 0.0 && n > 0.0 && room > n) {
        let p = max(po2_here, 0.0);
        let g = p / (p + u.growth_k_mmhg);
        // Written in e^(−rt) so that long steps saturate at the free space.
        let e = exp(-(u.growth_rate_dt * g));
        n = ((room * n) / ((room * e) + n * (1.0 - e)));
    }
    let h = hif[idx];
    let goal = hif_target(po2_here);
    var keep = u.hif_keep_down;
    if (goal > h) {
        keep = u.hif_keep_up;
    }
    viable[idx] = clamp(n, 0.0, 1.0);
    dead[idx] = clamp(d, 0.0, 1.0);
    doomed[idx] = clamp(l, 0.0, 1.0);
    hif[idx] = clamp(goal + (h - goal) * keep, 0.0, 1.0);
}

@compute @workgroup_size(32, 4, 2)
fn kill(@builtin(global_invocation_id) gid: vec3<u32>) {
    let at = region_index(gid);
    if (at < 0) { return; }
    let idx = u32(at);
    let n = viable[idx];
    let l = doomed[idx];
    let s = clamp(exp(-dose_map[idx]), 0.0, 1.0);
    let killed = n * (1.0 - s);
    viable[idx] = clamp(n - killed, 0.0, 1.0);
    doomed[idx] = clamp(l + killed, 0.0, 1.0);
}
