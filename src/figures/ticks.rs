//! Round numbers for colorbar ticks and scale-bar lengths.

/// Between four and six round tick values (steps of 1, 2, 2.5 or 5 × 10^k) inside
/// `[lo, hi]`, ends included when they fall on the step; three for awkward ranges.
pub(crate) fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let range = hi - lo;
    if range <= 0.0 || !range.is_finite() {
        return vec![lo];
    }
    let k0 = range.log10().floor() as i32 - 2;
    for k in k0..k0 + 5 {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * 10f64.powi(k);
            if let Some(ticks) = ticks_with_step(lo, hi, step) {
                return ticks;
            }
        }
    }
    // Ranges at the edge of f64 (a step that underflows or overflows): the ends.
    vec![lo, hi]
}

/// The multiples of `step` in `[lo, hi]`, if there are at most six.
fn ticks_with_step(lo: f64, hi: f64, step: f64) -> Option<Vec<f64>> {
    let eps = 1e-9;
    let (first, last) = ((lo / step - eps).ceil(), (hi / step + eps).floor());
    if !(first.is_finite() && last.is_finite() && step > 0.0 && last - first <= 5.0) {
        return None;
    }
    let (first, last) = (first as i64, last as i64);
    let ticks = (first..=last)
        .map(|i| {
            let v = i as f64 * step;
            if v.abs() < step * eps {
                0.0
            } else {
                v
            }
        })
        .collect();
    Some(ticks)
}

/// Labels for `ticks` with the fewest decimals that tell them apart exactly
/// (`0, 20, 40`; `0, 2.5, 5`; `0.1, 0.2`).
pub(crate) fn tick_labels(ticks: &[f64]) -> Vec<String> {
    let decimals = (0..=6)
        .find(|&d| {
            ticks.iter().all(|&v| {
                let s = format!("{v:.d$}");
                s.parse::<f64>()
                    .is_ok_and(|p| (p - v).abs() <= 1e-9 * v.abs().max(1.0))
            })
        })
        .unwrap_or(6);
    ticks
        .iter()
        .map(|&v| {
            let s = format!("{v:.decimals$}");
            // A minus sign, not a hyphen, as in print.
            s.strip_prefix('-')
                .map_or(s.clone(), |r| format!("\u{2212}{r}"))
        })
        .collect()
}

/// The largest of 1, 2, 5 × 10^k not above `target` (for scale bars).
pub(crate) fn round_length(target: f64) -> f64 {
    if target <= 0.0 || !target.is_finite() {
        return 1.0;
    }
    let p = 10f64.powi(target.log10().floor() as i32);
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&l| l <= target * (1.0 + 1e-9))
        .unwrap_or(p)
}

/// A length for a scale-bar label: `50 µm`, `200 µm`, `1 mm`, `0.5 µm`.
pub(crate) fn length_label(um: f64) -> String {
    let (v, unit) = if um >= 1000.0 {
        (um / 1000.0, "mm")
    } else {
        (um, "µm")
    };
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_four_to_six() {
        let cases: [((f64, f64), &[f64]); 6] = [
            ((0.0, 100.0), &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0]),
            ((0.0, 60.0), &[0.0, 20.0, 40.0, 60.0]),
            ((0.0, 130.0), &[0.0, 25.0, 50.0, 75.0, 100.0, 125.0]),
            ((-1.0, 1.0), &[-1.0, -0.5, 0.0, 0.5, 1.0]),
            ((0.0, 0.3), &[0.0, 0.1, 0.2, 0.3]),
            ((3.0, 47.0), &[10.0, 20.0, 30.0, 40.0]),
        ];
        for ((lo, hi), want) in cases {
            let got = nice_ticks(lo, hi);
            assert_eq!(got.len(), want.len(), "{lo}..{hi}: {got:?}");
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 1e-12, "{lo}..{hi}: {got:?}");
            }
        }
    }

    #[test]
    fn labels_use_the_fewest_decimals() {
        assert_eq!(tick_labels(&[0.0, 20.0, 40.0]), ["0", "20", "40"]);
        assert_eq!(tick_labels(&[0.0, 2.5, 5.0]), ["0.0", "2.5", "5.0"]);
        assert_eq!(
            tick_labels(&[-0.5, 0.0, 0.5]),
            ["\u{2212}0.5", "0.0", "0.5"]
        );
    }

    #[test]
    fn scale_lengths_are_1_2_5() {
        assert_eq!(round_length(64.0), 50.0);
        assert_eq!(round_length(20.0), 20.0);
        assert_eq!(round_length(19.9), 10.0);
        assert_eq!(round_length(450.0), 200.0);
        assert_eq!(length_label(50.0), "50 µm");
        assert_eq!(length_label(2000.0), "2 mm");
        assert_eq!(length_label(0.5), "0.5 µm");
    }
}
