//! Oxygen: Michaelis–Menten consumption, Robin vessel exchange, and the exact local
//! (point) solve used by the nonlinear smoother.
//!
//! Steady state, for every free voxel (MODEL.md §1):
//!
//! ```text
//! 0 = D ∇²P − M·n·P/(P + Km) + Γ·(Pb − P),   Γ = Pw·Sv
//! ```
//!
//! With the 7-point stencil and its neighbours held, one voxel's equation reads
//! `F(P) = b − a·P − M·n·P/(P + Km)`, `a` the stencil's diagonal plus Γ and `b` the
//! neighbour, face and vessel terms. `F` is strictly decreasing in P ≥ 0, so it has one
//! non-negative root, a root of a quadratic: the smoother moves each voxel to it
//! exactly (`local_correction`) instead of taking a Newton step. Mirrored in
//! `shaders/shared/o2_common.wgsl`.

/// Tissue oxygen parameters (units in the names; defaults and sources in docs/model.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct O2Params {
    /// O2 diffusivity D (µm²/s). Default 2000 (tissue range 1400–2750).
    pub diffusivity_um2_per_s: f64,
    /// Maximal consumption M (mmHg/s). Default 15 (tumour tissue, 13–17).
    pub max_consumption_mmhg_per_s: f64,
    /// Michaelis constant Km (mmHg). Default 1 (range 1–4). 0 gives zero-order uptake.
    pub km_mmhg: f64,
    /// Effective vessel-wall permeability Pw (µm/s). Default 1000 (Owen et al. 2011).
    pub wall_permeability_um_per_s: f64,
}

impl Default for O2Params {
    fn default() -> Self {
        O2Params {
            diffusivity_um2_per_s: 2000.0,
            max_consumption_mmhg_per_s: 15.0,
            km_mmhg: 1.0,
            wall_permeability_um_per_s: 1000.0,
        }
    }
}

/// Marker for "not fixed" in the fixed-value field and for no-flux faces: pO2 is never
/// negative, so any negative value means "free".
pub const FREE: f32 = -1.0;

/// Consumption rate M·n·P/(P + Km) (mmHg/s). At P = Km = 0 (zero-order limit at the
/// anoxic edge) the rate is taken as 0.
#[inline]
pub(crate) fn uptake(p: f32, mn: f32, km: f32) -> f32 {
    let denom = p + km;
    if denom > 0.0 {
        mn * p / denom
    } else {
        0.0
    }
}

/// The exact local correction δ: the root of `r − a·δ − [uptake(P+δ) − uptake(P)] = 0`
/// with P + δ ≥ 0, where `r = F(P)` is the pointwise residual and `a` the stencil's
/// diagonal (a > 0). Writing it in δ rather than solving for P afresh keeps full
/// relative precision near convergence: δ is small and so are its rounding errors.
///
/// With s = P + Km and q = mn·Km/s, uptake(P+δ) − uptake(P) = q·δ/(s + δ), so
/// `a·δ² − B·δ − r·s = 0` with `B = r − a·s − q`; the wanted root is the larger one,
/// written without cancellation for either sign of B. For Km = 0 it gives r/a, or −P
/// where that would go negative (the zero-order law with its anoxic cut-off).
#[inline]
pub(crate) fn local_correction(a: f32, r: f32, p: f32, mn: f32, km: f32) -> f32 {
    let a = a.max(1e-30);
    let s = p + km;
    let q = if s > 0.0 { mn * km / s } else { 0.0 };
    let bb = r - a * s - q;
    let disc = (bb * bb + 4.0 * a * r * s).max(0.0).sqrt();
    if bb >= 0.0 {
        (bb + disc) / (2.0 * a)
    } else {
        2.0 * r * s / (disc - bb)
    }
}

/// Pointwise residual `F(P)` (mmHg/s) from the net supply `f` (neighbour, face and
/// vessel terms, computed by the caller in difference form, Σ c·(P_nb − P) + Γ·(Pb − P),
/// which does not cancel large numbers). With km = 0 and P = 0 the uptake is set-valued
/// in [0, mn]; the residual is then the distance of the supply from that interval.
#[inline]
pub(crate) fn residual(f: f32, p: f32, mn: f32, km: f32) -> f32 {
    if p + km > 0.0 {
        f - uptake(p, mn, km)
    } else {
        (f - mn).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact steady value of one voxel with fixed neighbours: the root of
    /// b − a·P − mn·P/(P + km), found by bisection in f64.
    fn root(a: f64, b: f64, mn: f64, km: f64) -> f64 {
        let g = |p: f64| b - a * p - if p + km > 0.0 { mn * p / (p + km) } else { 0.0 };
        let (mut lo, mut hi) = (0.0, b / a + 1.0);
        if g(0.0) <= 0.0 {
            return 0.0;
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if g(mid) > 0.0 {
                lo = mid
            } else {
                hi = mid
            }
        }
        lo
    }

    #[test]
    fn local_correction_lands_on_the_local_root() {
        // (a, b, mn, km) and several starting values of P.
        for &(a, b, mn, km) in &[
            (120.0f32, 4000.0f32, 15.0f32, 1.0f32),
            (120.0, 5.0, 15.0, 1.0),
            (300.0, 12000.0, 0.0, 1.0),
            (120.0, 10.0, 15.0, 0.0),
            (120.0, 4000.0, 15.0, 0.0),
            (1.0, 0.0, 15.0, 1.0),
            (2000.0, 80000.0, 15.0, 4.0),
        ] {
            let want = root(a as f64, b as f64, mn as f64, km as f64);
            for &p0 in &[0.0f32, 0.01, 1.0, 40.0, 500.0] {
                // One step lands close; from far away (P = 40 with the root at 0.04) the
                // discriminant cancels in f32, and a second step, as the smoother's next
                // sweep would take, lands on the root.
                let step = |p: f32| {
                    let r = residual(b - a * p, p, mn, km);
                    (p + local_correction(a, r, p, mn, km)).max(0.0)
                };
                let once = step(p0) as f64;
                let twice = step(step(p0)) as f64;
                let tol = want.max(1.0);
                let ctx =
                    format!("a={a} b={b} mn={mn} km={km} from P={p0}: {once}, {twice} vs {want}");
                assert!((once - want).abs() <= 1e-2 * tol, "{ctx}");
                assert!((twice - want).abs() <= 1e-5 * tol, "{ctx}");
            }
        }
    }
}
