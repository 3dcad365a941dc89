// ros_production: ROS production S (µM/s) per voxel (MODEL.md §3, RosParams::production),
// 0 at fixed voxels: S = ym·α·M·n·P/(P + Km) + yr·Ḋ·OMF(P) + yh·n·max(P − Pprev, 0)
// + Sx·n, OMF(P) = (m·P + K)/(m·(P + K)) with P ≥ 0. Pointwise (src/backend/pointwise.rs).
// Bindings (group 0): 0 uniforms, 1 pO2 P (mmHg), 2 cells n, 3 previous pO2 (mmHg; read
// only when has_previous = 1), 4 O2 fixed (≥ 0: fixed) (read); 5 S (rw).
// CPU twin: `RosProduction` in src/backend/ros_fields.rs.

struct U {
    head: Head,
    mito: f32,            // ym·α (µM/mmHg)
    max_consumption: f32, // M (mmHg/s)
    km: f32,              // Km (mmHg)
    radiation: f32,       // yr·Ḋ (µM/s); 0 without irradiation
    omf_m: f32,           // oxygen effect m
    omf_k: f32,           // oxygen effect K (mmHg)
    reoxygenation: f32,   // yh (µM/s per mmHg)
    extra: f32,           // Sx (µM/s at n = 1)
    has_previous: f32,    // 1: previous pO2 given
    p0: f32,
    p1: f32,
    p2: f32,
};

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> po2: array<f32>;
@group(0) @binding(2) var<storage, read> cells: array<f32>;
@group(0) @binding(3) var<storage, read> po2_previous: array<f32>;
@group(0) @binding(4) var<storage, read> fixed_value: array<f32>;
@group(0) @binding(5) var<storage, read_write> production: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = voxel_index(u.head, gid);
    if (i >= u.head.len) { return; }
    if (fixed_value[i] >= 0.0) {
        production[i] = 0.0;
        return;
    }
    let p = po2[i];
    let n = cells[i];
    // The O2 model's uptake law (physics::o2::uptake).
    let mn = u.max_consumption * n;
    let denom = p + u.km;
    var consumed = 0.0;
    if (denom > 0.0) {
        consumed = mn * p / denom;
    }
    let q = max(p, 0.0);
    let omf = (u.omf_m * q + u.omf_k) / (u.omf_m * (q + u.omf_k));
    var reox = 0.0;
    if (u.has_previous > 0.5) {
        reox = u.reoxygenation * n * max(p - po2_previous[i], 0.0);
    }
    production[i] = u.mito * consumed + u.radiation * omf + reox + u.extra * n;
}
