//! Closed forms of MODEL.md §5, used by `oxyfield validate` and the tests.

use std::f64::consts::PI;

/// Spheroid of radius `r_sph` in medium at `p0`, zero-order consumption `a`, diffusivity
/// `d` (MODEL.md §5.1). Returns the anoxic radius (0 when fully oxygenated).
pub fn spheroid_anoxic_radius(r_sph: f64, p0: f64, a: f64, d: f64) -> f64 {
    let rl = (6.0 * d * p0 / a).sqrt();
    if rl >= r_sph {
        return 0.0;
    }
    let x = ((1.0 - 2.0 * rl * rl / (r_sph * r_sph)).acos() - 2.0 * PI) / 3.0;
    r_sph * (0.5 - x.cos())
}

/// The spheroid's pO2 at radius `r` (MODEL.md §5.1).
pub fn spheroid_profile(r: f64, r_sph: f64, p0: f64, a: f64, d: f64) -> f64 {
    let rn = spheroid_anoxic_radius(r_sph, p0, a, d);
    if rn == 0.0 {
        p0 - a / (6.0 * d) * (r_sph * r_sph - r * r)
    } else if r < rn {
        0.0
    } else {
        a / (6.0 * d) * (r * r - r_sph * r_sph)
            + a * rn.powi(3) / (3.0 * d) * (1.0 / r - 1.0 / r_sph)
            + p0
    }
}

/// Krogh cylinder (MODEL.md §5.2): vessel radius `rc` at pO2 `pc`, tissue radius `rt`
/// with no flux there, zero-order consumption `a`.
pub fn krogh_profile(r: f64, rc: f64, pc: f64, rt: f64, a: f64, d: f64) -> f64 {
    pc + a / (4.0 * d) * (r * r - rc * rc) - a * rt * rt / (2.0 * d) * (r / rc).ln()
}

/// Wall pO2 of a Krogh cylinder fed through a wall of permeability `pw` from blood at
/// `pb`: the wall flux 2π·rc·Pw·(Pb − P(rc)) equals the consumption π(rt² − rc²)·a.
pub fn krogh_wall_po2(pb: f64, rc: f64, rt: f64, a: f64, pw: f64) -> f64 {
    pb - a * (rt * rt - rc * rc) / (2.0 * rc * pw)
}

/// Modified Bessel function I0 (Abramowitz & Stegun 9.8.1–9.8.2; |ε| < 2e-7 relative).
pub(crate) fn bessel_i0(x: f64) -> f64 {
    let ax = x.abs();
    if ax <= 3.75 {
        let t = (x / 3.75).powi(2);
        1.0 + t
            * (3.515_622_9
                + t * (3.089_942_4
                    + t * (1.206_749_2 + t * (0.265_973_2 + t * (0.036_076_8 + t * 0.004_581_3)))))
    } else {
        let t = 3.75 / ax;
        let p = 0.398_942_28
            + t * (0.013_285_92
                + t * (0.002_253_19
                    + t * (-0.001_575_65
                        + t * (0.009_162_81
                            + t * (-0.020_577_06
                                + t * (0.026_355_37 + t * (-0.016_476_33 + t * 0.003_923_77)))))));
        p * ax.exp() / ax.sqrt()
    }
}

/// Modified Bessel function K0 for x > 0 (Abramowitz & Stegun 9.8.5–9.8.6; |ε| < 2e-7
/// relative).
pub fn bessel_k0(x: f64) -> f64 {
    if x <= 2.0 {
        let t = (x / 2.0).powi(2);
        -(x / 2.0).ln() * bessel_i0(x) - 0.577_215_66
            + t * (0.422_784_20
                + t * (0.230_697_56
                    + t * (0.034_885_90
                        + t * (0.002_626_98 + t * (0.000_107_50 + t * 0.000_007_4)))))
    } else {
        let t = 2.0 / x;
        let p = 1.253_314_14
            + t * (-0.078_323_58
                + t * (0.021_895_68
                    + t * (-0.010_624_46
                        + t * (0.005_878_72 + t * (-0.002_515_40 + t * 0.000_532_08)))));
        p * (-x).exp() / x.sqrt()
    }
}

/// Single vessel of radius `rv` at `cv` in tissue with linear uptake, penetration
/// length `l` = √(D/k) (MODEL.md §5.3).
pub(crate) fn line_source_profile(r: f64, rv: f64, cv: f64, l: f64) -> f64 {
    cv * bessel_k0(r / l) / bessel_k0(rv / l)
}

/// Amplitude factor of the mode cos(πx/L) after time `t` with diffusivity `d` and no-flux
/// faces (MODEL.md §5.4): exp(−D·π²·t/L²).
pub(crate) fn cosine_decay(t: f64, d: f64, len: f64) -> f64 {
    (-d * PI * PI * t / (len * len)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_k0_matches_tables() {
        // Values from Abramowitz & Stegun, table 9.8.
        for (x, want) in [
            (0.1, 2.427_069_025),
            (1.0, 0.421_024_438),
            (2.0, 0.113_893_873),
            (5.0, 0.003_691_098),
        ] {
            let got = bessel_k0(x);
            assert!(
                (got - want).abs() <= 2e-7 * want.max(1e-3) + 1e-9,
                "K0({x}) = {got}, want {want}"
            );
        }
        assert!((bessel_i0(1.0) - 1.266_065_878).abs() < 1e-6);
    }

    #[test]
    fn spheroid_and_krogh_forms_are_consistent() {
        // Continuity at R and at the anoxic radius.
        assert!((spheroid_profile(150.0, 150.0, 100.0, 15.0, 2000.0) - 100.0).abs() < 1e-12);
        let rn = spheroid_anoxic_radius(150.0, 15.0, 15.0, 2000.0);
        assert!((rn - 71.66).abs() < 0.01, "{rn}");
        assert!(spheroid_profile(rn + 1e-6, 150.0, 15.0, 15.0, 2000.0).abs() < 1e-6);
        // Krogh: P(rc) = Pc, and dP/dr = 0 at rt.
        let f = |r| krogh_profile(r, 5.0, 40.0, 60.0, 15.0, 2000.0);
        assert!((f(5.0) - 40.0).abs() < 1e-12);
        assert!(((f(60.0 + 1e-4) - f(60.0 - 1e-4)) / 2e-4).abs() < 1e-6);
    }
}
