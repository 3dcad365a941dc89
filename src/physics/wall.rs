//! The O2 path from blood to the tissue around a vessel (docs/model.md, "Vessel walls"):
//! intravascular resistance K(d) (GreensV4's `IntravascRes.dat`), the wall's own
//! permeability, and the subvoxel tissue resistance between the wall and the voxel-mean
//! pO2 of a vessel thinner than the grid.
//!
//! Per unit length of a vessel of radius r carrying q (mmHg·µm²/s, the tissue's O2 in
//! mmHg units) out of the blood at Pb, the drops add in series:
//!
//! ```text
//! Pb − Pwall  = q / (2πr·g_wall)           g_wall = 1/(1/Pw + 2πr·K(2r)·αt)
//! Pwall − P̄   = q · ln(r_e/r) / (2πD)       (subvoxel tissue resistance)
//! ```
//!
//! so each ring of wall exchanges `2πr·g·(Pb − P̄)` per length with
//! `1/g = 1/g_wall + r·ln(r_e/r)/D`. P̄ is the wall-area-weighted mean pO2 of the voxels
//! the ring's wall lies in, and r_e the radius at which the continuous field around a
//! line source equals that mean. For the 7-point stencil (a 5-point stencil in the
//! vessel's cross-section) with the source split over voxels u with weights w_u:
//!
//! ```text
//! r_e = r₀ · exp(2π·S),   S = Σ_u Σ_v w_u·w_v·a(u − v),   r₀ = h·e^{−γ}/2^{3/2} ≈ 0.1985 h
//! ```
//!
//! where a is the potential kernel of the square lattice (a(0) = 0, Δa = δ,
//! a(x) → (ln|x|/h + γ + 3/2·ln 2)/2π): the lattice field of a unit line source is
//! C − q/D·a, and its far field C − q/(2πD)·ln(ρ/r₀) is the continuous one around a
//! vessel whose wall sits at r₀ (Peaceman's equivalent well radius; r₀ is its exact
//! lattice value). A source in one voxel has S = 0 (r_e = r₀); a ring spread around a
//! resolved lumen has r_e → r (no correction). Exact for vessels along a grid axis;
//! oblique vessels use the same kernel on their voxels' offsets across the vessel.

use glam::DVec3;

/// Euler–Mascheroni constant γ.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// r₀/h = e^{−γ}/2^{3/2}: the radius at which the continuous field of a line source
/// equals the value of the voxel holding it, on the square lattice.
pub(crate) fn peaceman_radius_over_h() -> f64 {
    (-EULER_GAMMA).exp() / 2f64.powf(1.5)
}

/// The potential kernel a(m, n) of the square lattice for 0 ≤ n ≤ m ≤ 4, from
/// a(m, n) = (1/2π)∫_{−π}^{π} (1 − cos(mk)·tⁿ)/√(b² − 4) dk, b = 4 − 2cos k,
/// t = (b − √(b² − 4))/2 (exact: a(1,0) = 1/4, a(1,1) = 1/π, a(2,0) = 1 − 2/π).
const LATTICE: [[f64; 5]; 5] = [
    [0.0, 0.0, 0.0, 0.0, 0.0],
    [0.25, std::f64::consts::FRAC_1_PI, 0.0, 0.0, 0.0],
    [
        0.363_380_227_632,
        0.386_619_772_368,
        0.424_413_181_578,
        0.0,
        0.0,
    ],
    [
        0.430_281_365_795,
        0.440_375_794_076,
        0.462_206_590_789,
        0.488_075_158_815,
        0.0,
    ],
    [
        0.476_993_647_394,
        0.482_395_447_352,
        0.495_962_228_688,
        0.513_943_726_841,
        0.533_547_999_699,
    ],
];

/// a at lattice offset (m, n) (any signs).
#[inline]
fn lattice_at(m: i64, n: i64) -> f64 {
    let (m, n) = (m.unsigned_abs(), n.unsigned_abs());
    let (hi, lo) = if m >= n { (m, n) } else { (n, m) };
    if hi <= 4 {
        return LATTICE[hi as usize][lo as usize];
    }
    asymptotic(((hi * hi + lo * lo) as f64).sqrt())
}

/// (ln ρ + γ + 3/2·ln 2)/2π: a at distance ρ (in h) far from the source (to 1e-3 at ρ ≥ 4).
fn asymptotic(rho: f64) -> f64 {
    (rho.ln() + EULER_GAMMA + 1.5 * std::f64::consts::LN_2) / std::f64::consts::TAU
}

/// a at an offset (x, y) in units of h across the vessel: exact at lattice points,
/// bilinear between them within 4h, the asymptotic form beyond.
#[inline]
pub(crate) fn potential_kernel(x: f64, y: f64) -> f64 {
    let (x, y) = (x.abs(), y.abs());
    if x.max(y) >= 4.0 {
        return asymptotic((x * x + y * y).sqrt());
    }
    // Non-negative: truncation is the floor.
    let (i, j) = (x as i64, y as i64);
    let (fx, fy) = (x - i as f64, y - j as f64);
    let at = |di: i64, dj: i64| lattice_at(i + di, j + dj);
    (1.0 - fx) * ((1.0 - fy) * at(0, 0) + fy * at(0, 1))
        + fx * ((1.0 - fy) * at(1, 0) + fy * at(1, 1))
}

/// A ring's voxels seen across its vessel: their centres' offsets (units of h) in the
/// plane normal to `axis`, with their wall areas; voxels that coincide there (the same
/// column of a vessel along a grid axis) are merged.
pub(crate) fn cross_section(
    centres: &[DVec3],
    areas: &[f64],
    axis: DVec3,
    h: f64,
) -> (Vec<(f64, f64)>, Vec<f64>) {
    let a = axis.abs();
    let aligned = a.max_element() > 1.0 - 1e-9;
    // Oblique vessels: the frame is the grid axis most normal to the vessel, projected
    // into the plane, and its normal there, so that a vessel tilting away from a grid
    // axis sees its lattice turn continuously (the kernel is not isotropic near 0).
    let e1 = {
        let k = if a.x <= a.y && a.x <= a.z {
            DVec3::X
        } else if a.y <= a.z {
            DVec3::Y
        } else {
            DVec3::Z
        };
        (k - axis * k.dot(axis)).normalize()
    };
    let e2 = axis.cross(e1);
    let mut pts: Vec<(f64, f64)> = Vec::with_capacity(centres.len());
    let mut w: Vec<f64> = Vec::with_capacity(centres.len());
    for (&c, &ar) in centres.iter().zip(areas) {
        let d = c / h;
        // Grid-aligned vessels see lattice offsets: exact integers.
        let p = if aligned {
            let (x, y) = if a.x > 0.5 {
                (d.y, d.z)
            } else if a.y > 0.5 {
                (d.x, d.z)
            } else {
                (d.x, d.y)
            };
            (x.round(), y.round())
        } else {
            let across = d - axis * d.dot(axis);
            (across.dot(e1), across.dot(e2))
        };
        match pts
            .iter()
            .position(|q| (q.0 - p.0).abs() < 1e-9 && (q.1 - p.1).abs() < 1e-9)
        {
            Some(i) => w[i] += ar,
            None => {
                pts.push(p);
                w.push(ar);
            }
        }
    }
    (pts, w)
}

/// The drop from blood to the far-field constant C of the lattice per unit flux per
/// length, X/q (mmHg per mmHg·µm²/s), and its derivative in ln g, for a ring exchanging
/// at conductance g = 1/λ (µm/s) through voxels with wall `alpha` per unit length (µm):
/// y_v = g·α_v·(Pb − P_v), P_v = C − (1/D)·Σ_u a(v − u)·y_u, Σ y = q. With
/// B = λ·diag(1/α) − K (K = a(v − u)/D, `kernel`, row-major m × m) and B·z = 1:
/// y = z·X, so X = q/Σz; dX/dλ = zᵀ·diag(1/α)·z/(Σz)².
fn lattice_drop(lambda: f64, kernel: &[f64], alpha: &[f64]) -> (f64, f64) {
    let m = alpha.len();
    let mut a = vec![0.0f64; m * m];
    for v in 0..m {
        for u in 0..m {
            a[v * m + u] = -kernel[v * m + u];
        }
        a[v * m + v] = lambda / alpha[v];
    }
    let mut z = vec![1.0f64; m];
    for col in 0..m {
        let piv = (col..m)
            .max_by(|&i, &j| a[i * m + col].abs().total_cmp(&a[j * m + col].abs()))
            .unwrap_or(col);
        if piv != col {
            for k in 0..m {
                a.swap(col * m + k, piv * m + k);
            }
            z.swap(col, piv);
        }
        // The rows below the pivot row as slices, so that the elimination loop has no
        // bounds checks and vectorises (the same operations in the same order).
        let (top, below) = a.split_at_mut((col + 1) * m);
        let pivot_row = &top[col * m + col..];
        let p = pivot_row[0];
        let (z_top, z_below) = z.split_at_mut(col + 1);
        for (row, zr) in below.chunks_exact_mut(m).zip(z_below) {
            let f = row[col] / p;
            if f != 0.0 {
                for (x, &y) in row[col..].iter_mut().zip(pivot_row) {
                    *x -= f * y;
                }
                *zr -= f * z_top[col];
            }
        }
    }
    for row in (0..m).rev() {
        let s: f64 = (row + 1..m).map(|k| a[row * m + k] * z[k]).sum();
        z[row] = (z[row] - s) / a[row * m + row];
    }
    let sum: f64 = z.iter().sum();
    let quad: f64 = z.iter().zip(alpha).map(|(&zi, &al)| zi * zi / al).sum();
    let x = 1.0 / sum;
    // d/d(ln g) = −λ·d/dλ.
    (x, -lambda * quad * x * x)
}

/// Intravascular O2 resistance against diameter (GreensV4's `IntravascRes.dat`): K in
/// mmHg·µm·s/µm³ O2, the drop from blood to wall per O2 flux per unit length. Linear
/// between the points, constant beyond the ends.
#[derive(Debug, Clone, PartialEq)]
pub struct ResistanceTable {
    /// (diameter µm, K), diameters increasing.
    pub points: Vec<(f64, f64)>,
    /// Where it came from: `"builtin"` or the file's path.
    pub source: String,
}

impl ResistanceTable {
    /// The table of GreensV4's tumour samples (`Tumor1998`, `TumorLowDensity`,
    /// `Tumor_FaDu1012`: "Duke (FaDu), Tumor 1998, Cremaster — same"): K from 2.45 at
    /// 4 µm to 0.73 at 50 µm (docs/model.md gives the source).
    pub fn secomb() -> Self {
        ResistanceTable {
            points: vec![
                (4.0, 2.45),
                (5.0, 2.00),
                (6.0, 1.74),
                (8.0, 1.44),
                (10.0, 1.27),
                (12.0, 1.16),
                (14.0, 1.08),
                (16.0, 1.02),
                (18.0, 0.974),
                (20.0, 0.935),
                (22.0, 0.895),
                (24.0, 0.853),
                (28.0, 0.815),
                (32.0, 0.779),
                (40.0, 0.750),
                (50.0, 0.730),
            ],
            source: "builtin".into(),
        }
    }

    /// K at diameter `d_um`.
    pub fn at(&self, d_um: f64) -> f64 {
        let p = &self.points;
        let (first, last) = (p[0], p[p.len() - 1]);
        if d_um <= first.0 {
            return first.1;
        }
        if d_um >= last.0 {
            return last.1;
        }
        let i = p.partition_point(|q| q.0 <= d_um);
        let ((d0, k0), (d1, k1)) = (p[i - 1], p[i]);
        k0 + (k1 - k0) * (d_um - d0) / (d1 - d0)
    }
}

/// How a ring of wall exchanges O2 with the voxels around it.
#[derive(Debug, Clone, PartialEq)]
pub struct WallModel {
    /// The permeability the O2 kernels multiply Sv by (`[oxygen]
    /// wall_permeability_um_per_s`, µm/s): the reference of the rings' weights.
    pub reference_um_per_s: f64,
    /// The wall's own permeability (µm/s); with no table it is the whole blood-to-wall
    /// path (today's single Pw), with a table the wall in series (None: K(d) alone).
    pub wall_um_per_s: Option<f64>,
    /// Intravascular resistance K(d), when used.
    pub table: Option<ResistanceTable>,
    /// Tissue O2 solubility αt (µm³ O2/µm³/mmHg), to turn K into tissue units.
    pub alpha_tissue: f64,
    /// Correct for the radial drop between the wall and the voxel-mean pO2.
    pub subvoxel: bool,
    /// Tissue O2 diffusivity D (µm²/s).
    pub diffusivity_um2_per_s: f64,
    /// Grid spacing h (µm), for r₀.
    pub h_um: f64,
}

/// The subvoxel model raises a ring's conductance to at most this many times its
/// blood-to-wall conductance; beyond, the grid cannot hold the wall's pO2 (a vessel
/// much wider than r₀ in one voxel) and the ring keeps this cap.
pub const MAX_FACTOR: f64 = 1000.0;

impl WallModel {
    /// Today's model: every wall passes Pw·(Pb − P̄) per area.
    pub fn single(pw: f64) -> Self {
        WallModel {
            reference_um_per_s: pw,
            wall_um_per_s: Some(pw),
            table: None,
            alpha_tissue: 3.0e-5,
            subvoxel: false,
            diffusivity_um2_per_s: 2000.0,
            h_um: 10.0,
        }
    }

    /// One line for the run log: what resists O2 from blood to tissue.
    pub fn describe(&self) -> String {
        let path = match (&self.table, self.wall_um_per_s) {
            (None, Some(p)) => format!("one wall permeability {p} µm/s"),
            (Some(t), wall) => format!(
                "intravascular resistance K(d) from {} ({} points, {:.3}–{:.3} \
                 mmHg·µm·s/µm³ at {}–{} µm){}",
                t.source,
                t.points.len(),
                t.points.first().map_or(0.0, |p| p.1),
                t.points.last().map_or(0.0, |p| p.1),
                t.points.first().map_or(0.0, |p| p.0),
                t.points.last().map_or(0.0, |p| p.0),
                wall.map_or(String::new(), |p| format!(
                    " in series with a wall of {p} µm/s"
                ))
            ),
            (None, None) => "no wall resistance".into(),
        };
        format!(
            "vessels.wall: {path}; {}",
            if self.subvoxel {
                format!(
                    "subvoxel wall model on (r0 = {:.2} µm at h = {} µm)",
                    peaceman_radius_over_h() * self.h_um,
                    self.h_um
                )
            } else {
                "each wall exchanges with its voxels' mean pO2 (subvoxel off)".into()
            }
        )
    }

    /// True when every ring exchanges at the reference permeability (weights are areas).
    pub(crate) fn is_uniform(&self) -> bool {
        self.table.is_none()
            && !self.subvoxel
            && self.wall_um_per_s == Some(self.reference_um_per_s)
    }

    /// Blood-to-wall conductance per wall area (µm/s) of a vessel of radius `r_um`.
    pub fn wall_conductance(&self, r_um: f64) -> f64 {
        let mut resistance = self.wall_um_per_s.map_or(0.0, |p| 1.0 / p);
        if let Some(t) = &self.table {
            resistance += std::f64::consts::TAU * r_um * t.at(2.0 * r_um) * self.alpha_tissue;
        }
        1.0 / resistance
    }

    /// Blood-to-voxel conductance per wall area (µm/s) of a ring of radius `r_um` whose
    /// wall lies in voxels at `pts` (units of h across the vessel) with wall areas
    /// `areas`: the g at which the lattice's drop from blood to its far field equals the
    /// continuum's, R = 1/(2πr·g_wall) + ln(r₀/r)/(2πD) per unit flux per length (see
    /// the module text). True in the second place when the grid cannot reach R (a wide
    /// vessel in few voxels) and g is held at [`MAX_FACTOR`] × g_wall.
    pub fn ring_conductance(&self, r_um: f64, pts: &[(f64, f64)], areas: &[f64]) -> (f64, bool) {
        let g_wall = self.wall_conductance(r_um);
        let total: f64 = areas.iter().sum();
        if !self.subvoxel || pts.is_empty() || total <= 0.0 {
            return (g_wall, false);
        }
        let tau = std::f64::consts::TAU;
        let d = self.diffusivity_um2_per_s;
        let alpha: Vec<f64> = areas.iter().map(|&a| tau * r_um * a / total).collect();
        let want = 1.0 / (tau * r_um * g_wall)
            + (peaceman_radius_over_h() * self.h_um / r_um).ln() / (tau * d);
        let m = pts.len();
        let mut kernel = vec![0.0f64; m * m];
        for v in 0..m {
            for u in v + 1..m {
                let k = potential_kernel(pts[v].0 - pts[u].0, pts[v].1 - pts[u].1) / d;
                kernel[v * m + u] = k;
                kernel[u * m + v] = k;
            }
        }
        let f = |ln_g: f64| {
            let (x, dx) = lattice_drop((-ln_g).exp(), &kernel, &alpha);
            (x - want, dx)
        };
        let (ln_min, ln_max) = ((g_wall * 1e-4).ln(), (g_wall * MAX_FACTOR).ln());
        // Start from the closed form of a deposit with equal pO2 in its voxels (the
        // effective radius r₀·exp(2πS)), usually within a few per cent; then Newton
        // steps on ln g, kept inside the bracket the signs give (the drop falls as g
        // grows), bisecting where a step would leave it.
        let total_w: f64 = alpha.iter().sum();
        let mut s_pairs = 0.0;
        for v in 0..m {
            for u in v + 1..m {
                s_pairs += 2.0 * alpha[v] * alpha[u] * kernel[v * m + u] * d;
            }
        }
        let r_e = peaceman_radius_over_h()
            * self.h_um
            * (std::f64::consts::TAU * s_pairs / (total_w * total_w)).exp();
        let tissue = r_um * (r_e / r_um).ln() / d;
        let mut t = if 1.0 / g_wall + tissue > 0.0 {
            (1.0 / (1.0 / g_wall + tissue)).ln().clamp(ln_min, ln_max)
        } else {
            ln_max - 1.0
        };
        let (mut lo, mut hi) = (ln_min, ln_max);
        let (mut have_lo, mut have_hi) = (false, false);
        for _ in 0..100 {
            let (fx, dfx) = f(t);
            if fx.abs() <= 1e-9 * want.abs().max(1e-30) {
                return (t.exp(), false);
            }
            if fx > 0.0 {
                lo = t;
                have_lo = true;
            } else {
                hi = t;
                have_hi = true;
            }
            let newton = t - fx / dfx;
            let next = if dfx < 0.0 && newton > lo && newton < hi && (newton - t).abs() < 2.0 {
                newton
            } else if have_lo && have_hi {
                (lo + hi) / 2.0
            } else if have_lo {
                if t >= ln_max {
                    return (g_wall * MAX_FACTOR, true);
                }
                (t + 1.0).min(ln_max)
            } else {
                if t <= ln_min {
                    return (g_wall * 1e-4, false);
                }
                (t - 1.0).max(ln_min)
            };
            if (next - t).abs() < 1e-12 {
                return (next.exp(), false);
            }
            t = next;
        }
        // Not reached: once bracketed, bisection narrows the bracket (< 17 wide in ln g)
        // below 1e-12 within 45 steps, and an unbracketed walk reaches an end within 17.
        (t.exp(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table is the lattice's potential kernel: Δa = δ (Σ of the 4 neighbours
    /// − 4a is 1 at the origin, 0 elsewhere), and it joins the asymptotic form.
    #[test]
    fn lattice_kernel_is_harmonic_and_joins_its_far_field() {
        for m in 0..4i64 {
            for n in 0..4i64 {
                let lap = lattice_at(m + 1, n)
                    + lattice_at(m - 1, n)
                    + lattice_at(m, n + 1)
                    + lattice_at(m, n - 1)
                    - 4.0 * lattice_at(m, n);
                let want = if m == 0 && n == 0 { 1.0 } else { 0.0 };
                // Points next to the table's edge use the asymptotic form (to 1e-3).
                let tol = if m.max(n) >= 3 { 3e-3 } else { 1e-9 };
                assert!((lap - want).abs() < tol, "Δa({m},{n}) = {lap}");
            }
        }
        assert!((lattice_at(4, 4) - asymptotic(32f64.sqrt())).abs() < 1e-3);
        assert!((lattice_at(1, 1) - 1.0 / std::f64::consts::PI).abs() < 1e-11);
        assert!((potential_kernel(1.0, 1.0) - lattice_at(1, 1)).abs() < 1e-15);
        assert!((peaceman_radius_over_h() - 0.198_506).abs() < 1e-6);
    }

    /// One voxel: the continuum's drop R gives 1/g = 1/g_wall + r·ln(r₀/r)/D exactly
    /// (the lattice has a(0) = 0); a vessel wider than r₀ in one voxel hits the cap.
    #[test]
    fn one_voxel_is_peacemans_well_index() {
        let m = WallModel {
            subvoxel: true,
            ..WallModel::single(1000.0)
        };
        for r in [0.5, 1.0, 1.5] {
            let (g, capped) = m.ring_conductance(r, &[(0.0, 0.0)], &[1.0]);
            let r0 = peaceman_radius_over_h() * m.h_um;
            let want = 1.0 / (1e-3 + r * (r0 / r).ln() / m.diffusivity_um2_per_s);
            assert!(
                !capped && (g / want - 1.0).abs() < 1e-6,
                "r {r}: {g} vs {want}"
            );
        }
        let (g, capped) = m.ring_conductance(4.0, &[(0.0, 0.0)], &[1.0]);
        assert!(capped && g == 1000.0 * MAX_FACTOR);
        // Spread over a 2 × 2 block, the same vessel is within the grid's reach.
        let quad = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)];
        let (g, capped) = m.ring_conductance(4.0, &quad, &[1.0; 4]);
        assert!(!capped && g > 0.0);
    }

    #[test]
    fn table_interpolates_and_holds_its_ends() {
        let t = ResistanceTable::secomb();
        assert_eq!(t.at(2.0), 2.45);
        assert_eq!(t.at(100.0), 0.73);
        assert!((t.at(4.5) - 2.225).abs() < 1e-12);
        // The conversion of docs/model.md: 1/(2πr·K·αt) ≈ 1100 µm/s at 4 µm, 290 at 50.
        let m = WallModel {
            wall_um_per_s: None,
            table: Some(t),
            ..WallModel::single(1000.0)
        };
        assert!((m.wall_conductance(2.0) - 1082.6).abs() < 1.0);
        assert!((m.wall_conductance(25.0) - 290.7).abs() < 1.0);
    }

    /// Equal P in every voxel of a symmetric deposit: the lattice answer is the
    /// closed form with r_e = r₀·exp(2π·S) (S the weights' mean kernel).
    #[test]
    fn symmetric_deposit_matches_the_effective_radius() {
        let m = WallModel {
            subvoxel: true,
            ..WallModel::single(1000.0)
        };
        let quad = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)];
        let r = 2.0;
        let (g, _) = m.ring_conductance(r, &quad, &[1.0; 4]);
        let s = 0.125 + 0.25 / std::f64::consts::PI;
        let re = peaceman_radius_over_h() * m.h_um * (std::f64::consts::TAU * s).exp();
        let want = 1.0 / (1e-3 + r * (re / r).ln() / m.diffusivity_um2_per_s);
        assert!((g / want - 1.0).abs() < 1e-6, "{g} vs {want}");
    }
}
