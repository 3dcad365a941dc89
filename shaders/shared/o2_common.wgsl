// Shared by o2_smooth, o2_residual, o2_residual_field, o2_step and mg_coarse_rhs
// (prepended to each at load time):
// the O2 parameters, the field bindings, and the 7-point stencil of the steady O2
// equation  0 = D∇²P − M·n·P/(P+Km) + Pw·Sv·(Pb − P).
// CPU twins: src/backend/cpu/o2_stencil.rs and src/physics/o2.rs.
// Units: pO2 in mmHg, rates in mmHg/s, lengths in µm.

// Keep in sync with `O2ParamsGpu` in src/backend/gpu/o2_fields.rs.
struct O2Params {
    nx: u32,
    ny: u32,
    nz: u32,
    n_cells: u32,
    c: f32,        // D/h² (1/s)
    m_max: f32,    // M, maximal consumption (mmHg/s)
    km: f32,       // Km, Michaelis constant (mmHg)
    pw: f32,       // Pw, wall permeability (µm/s)
    omega: f32,    // SOR over-relaxation factor
    use_rhs: u32,  // 1 on multigrid coarse levels: add the FAS source term rhs[idx]
    dt: f32,       // explicit time step (s), o2_step only
    sweeps: u32,   // red–black sweeps of one smooth_small dispatch
    face_lo: vec4<f32>, // fixed pO2 on the x_min, y_min, z_min faces (mmHg); < 0: no-flux
    face_hi: vec4<f32>, // the same for x_max, y_max, z_max
    // Coupling weights (units of c) at the high end of each axis (x, y, z), from the
    // last cell's relative width φ (< 1 on coarse levels of odd axes; see EdgeWeights
    // in src/backend/cpu/o2_stencil.rs): 1, 1, 2 on the user's grid.
    edge_in: vec4<f32>,    // last cell → its inner neighbour, 2/(φ(1+φ))
    edge_prev: vec4<f32>,  // second-last cell → the last, 2/(1+φ)
    edge_face: vec4<f32>,  // last cell → a fixed high face, 2/φ²
    edge_width: vec4<f32>, // φ (read by mg_restrict through its own uniform)
};

@group(0) @binding(0) var<uniform> prm: O2Params;
@group(0) @binding(1) var<storage, read_write> po2: array<f32>;     // pO2 (mmHg)
@group(0) @binding(2) var<storage, read> sv: array<f32>;            // wall area / volume (1/µm)
@group(0) @binding(3) var<storage, read> pb: array<f32>;            // blood pO2 (mmHg)
@group(0) @binding(4) var<storage, read> viable: array<f32>;        // viable fraction n
@group(0) @binding(5) var<storage, read> fixed_value: array<f32>;   // fixed pO2 (mmHg); < 0 free
// Binding 6, `rhs` (the FAS source term, mmHg/s), is declared by each shader that
// includes this one: read-only where it is only read, read_write in mg_coarse_rhs.

// Coupling weight (units of c) of cell i of n on its low side (the inner neighbour, or
// the low face) and on its high side; CPU twin `axis_weights`.
fn weight_lo(i: u32, n: u32, e_in: f32, e_face: f32) -> f32 {
    let last = i + 1u == n;
    if (i > 0u) { return select(1.0, e_in, last); }
    return select(2.0, e_face, last);
}

fn weight_hi(i: u32, n: u32, e_prev: f32, e_face: f32) -> f32 {
    if (i + 1u == n) { return e_face; }
    return select(1.0, e_prev, i + 2u == n);
}

// Diagonal a of the stencil at one voxel: Σ c·w over neighbours and fixed faces, + Γ.
fn diagonal_at(i: u32, j: u32, k: u32, idx: u32) -> f32 {
    let c = prm.c;
    let ei = prm.edge_in;
    let ep = prm.edge_prev;
    let ef = prm.edge_face;
    var a = 0.0;
    // Terms in the order of the CPU twin: x−, x+, y−, y+, z−, z+, vessel.
    if (i > 0u || prm.face_lo.x >= 0.0) { a += c * weight_lo(i, prm.nx, ei.x, ef.x); }
    if (i + 1u < prm.nx || prm.face_hi.x >= 0.0) { a += c * weight_hi(i, prm.nx, ep.x, ef.x); }
    if (j > 0u || prm.face_lo.y >= 0.0) { a += c * weight_lo(j, prm.ny, ei.y, ef.y); }
    if (j + 1u < prm.ny || prm.face_hi.y >= 0.0) { a += c * weight_hi(j, prm.ny, ep.y, ef.y); }
    if (k > 0u || prm.face_lo.z >= 0.0) { a += c * weight_lo(k, prm.nz, ei.z, ef.z); }
    if (k + 1u < prm.nz || prm.face_hi.z >= 0.0) { a += c * weight_hi(k, prm.nz, ep.z, ef.z); }
    return a + prm.pw * sv[idx];
}

// Consumption M·n·P/(P+Km) (mmHg/s); 0 at P = Km = 0.
fn uptake(p: f32, mn: f32, km: f32) -> f32 {
    let denom = p + km;
    if (denom > 0.0) { return mn * p / denom; }
    return 0.0;
}

// Exact local correction δ with P + δ ≥ 0 (see local_correction in src/physics/o2.rs):
// root of r − a·δ − [uptake(P+δ) − uptake(P)] = 0, i.e. a·δ² − B·δ − r·s = 0 with
// s = P + Km, q = mn·Km/s, B = r − a·s − q; the larger root, without cancellation.
fn local_correction(a_in: f32, r: f32, p: f32, mn: f32, km: f32) -> f32 {
    let a = max(a_in, 1e-30);
    let s = p + km;
    var q = 0.0;
    if (s > 0.0) { q = mn * km / s; }
    let bb = r - a * s - q;
    let disc = sqrt(max(bb * bb + 4.0 * a * r * s, 0.0));
    if (bb >= 0.0) { return (bb + disc) / (2.0 * a); }
    return 2.0 * r * s / (disc - bb);
}

// Net supply f at one voxel in difference form, Σ c·(P_nb − P) + faces + Γ·(Pb − P)
// (mmHg/s): its terms shrink as the field converges, which keeps the f32 rounding
// floor far below the stopping tolerance (b − a·P would cancel two large numbers).
fn net_supply(i: u32, j: u32, k: u32, idx: u32) -> f32 {
    let c = prm.c;
    let ei = prm.edge_in;
    let ep = prm.edge_prev;
    let ef = prm.edge_face;
    let sy = prm.nx;
    let sz = prm.nx * prm.ny;
    let p = po2[idx];
    var f = 0.0;
    let wxl = c * weight_lo(i, prm.nx, ei.x, ef.x);
    let wxh = c * weight_hi(i, prm.nx, ep.x, ef.x);
    let wyl = c * weight_lo(j, prm.ny, ei.y, ef.y);
    let wyh = c * weight_hi(j, prm.ny, ep.y, ef.y);
    let wzl = c * weight_lo(k, prm.nz, ei.z, ef.z);
    let wzh = c * weight_hi(k, prm.nz, ep.z, ef.z);
    if (i > 0u) { f += wxl * (po2[idx - 1u] - p); }
    else if (prm.face_lo.x >= 0.0) { f += wxl * (prm.face_lo.x - p); }
    if (i + 1u < prm.nx) { f += wxh * (po2[idx + 1u] - p); }
    else if (prm.face_hi.x >= 0.0) { f += wxh * (prm.face_hi.x - p); }
    if (j > 0u) { f += wyl * (po2[idx - sy] - p); }
    else if (prm.face_lo.y >= 0.0) { f += wyl * (prm.face_lo.y - p); }
    if (j + 1u < prm.ny) { f += wyh * (po2[idx + sy] - p); }
    else if (prm.face_hi.y >= 0.0) { f += wyh * (prm.face_hi.y - p); }
    if (k > 0u) { f += wzl * (po2[idx - sz] - p); }
    else if (prm.face_lo.z >= 0.0) { f += wzl * (prm.face_lo.z - p); }
    if (k + 1u < prm.nz) { f += wzh * (po2[idx + sz] - p); }
    else if (prm.face_hi.z >= 0.0) { f += wzh * (prm.face_hi.z - p); }
    return f + prm.pw * sv[idx] * (pb[idx] - p);
}

// Residual from the net supply f: f − uptake(P); at P = Km = 0 the uptake is set-valued
// in [0, mn] and the residual is the distance of f from that interval.
fn residual_from(f: f32, p: f32, mn: f32, km: f32) -> f32 {
    if (p + km > 0.0) { return f - uptake(p, mn, km); }
    return max(f - mn, 0.0);
}

// Pointwise residual F(P) + rhs (mmHg/s) of this level's equation.
fn residual_at(i: u32, j: u32, k: u32, idx: u32) -> f32 {
    var f = net_supply(i, j, k, idx);
    if (prm.use_rhs != 0u) { f += rhs[idx]; }
    return residual_from(f, po2[idx], prm.m_max * viable[idx], prm.km);
}
