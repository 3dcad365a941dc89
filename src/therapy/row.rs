//! The timeline row of a resident state, from device reductions: two masked reductions,
//! one median and the endpoints' four masked sums (`endpoints.rs`) per step, a few
//! hundred bytes up and down, instead of the fields.

use super::state::State;
use crate::backend::stats::Reduce;
use crate::backend::O2Backend;
use crate::metrics::HYPOXIA_THRESHOLDS_MMHG;
use crate::output::timeline::{DrugColumns, Row};
use crate::protocol::Protocol;
use crate::Result;

impl State {
    /// The timeline row of the current state. pO2 statistics count the tissue voxels
    /// (cells present, not fixed: `mask`), as `summary.json` does; the tissue fractions
    /// and drug columns count the region (tissue at t = 0).
    pub(crate) fn row(
        &self,
        backend: &mut dyn O2Backend,
        protocol: &Protocol,
        events: String,
        solve_seconds: f64,
    ) -> Result<Row> {
        // Over tissue: the count, Σ pO2, the counts below each threshold, Σ R.
        let mut o2_items = vec![(self.mask, Reduce::Sum), (self.po2, Reduce::Sum)];
        o2_items.extend(HYPOXIA_THRESHOLDS_MMHG.map(|t| {
            (
                self.po2,
                Reduce::CountBelow {
                    threshold: t as f32,
                },
            )
        }));
        if let Some((ros, _)) = &self.ros {
            o2_items.push((ros.ros, Reduce::Sum));
        }
        let o2 = backend.reduce_masked(self.mask, &o2_items)?;
        let tissue = o2[0];
        let per_tissue = |v: f64| if tissue > 0.0 { v / tissue } else { 0.0 };
        let median = backend.median_masked(self.mask, self.po2)?;
        // Over the region: n, d, l, h, and per drug Σ C, Σ E, Σ e^(−κE).
        let t = self.tissue;
        let mut items = vec![
            (t.viable, Reduce::Sum),
            (t.dead, Reduce::Sum),
            (t.doomed, Reduce::Sum),
            (t.hif, Reduce::Sum),
        ];
        for (item, f) in protocol.drugs.iter().zip(&self.drugs) {
            items.push((f.prodrug, Reduce::Sum));
            items.push((f.exposure, Reduce::Sum));
            items.push((
                f.exposure,
                Reduce::SumExpNeg {
                    kappa: item.params.kill_per_um_h as f32,
                },
            ));
        }
        let r = backend.reduce_masked(t.region, &items)?;
        let count = self.region_count.max(1.0);
        let left = r[0];
        let endpoints = self.endpoint_columns(backend, left)?;
        Ok(Row {
            time_h: self.t / 3600.0,
            events,
            mean_po2_mmhg: per_tissue(o2[1]),
            median_po2_mmhg: median,
            hypoxic_fraction: [
                per_tissue(o2[2]),
                per_tissue(o2[3]),
                per_tissue(o2[4]),
                per_tissue(o2[5]),
            ],
            viable_fraction: left / count,
            dead_fraction: r[1] / count,
            doomed_fraction: r[2] / count,
            mean_hif: r[3] / count,
            mean_ros_um: self.ros.as_ref().map(|_| per_tissue(o2[6])),
            log10_cell_kill: if left > 0.0 && self.n0_total > 0.0 {
                // + 0.0 turns −0 (nothing killed yet) into 0.
                -(left / self.n0_total).log10() + 0.0
            } else {
                f64::INFINITY
            },
            solve_seconds,
            drugs: protocol
                .drugs
                .iter()
                .enumerate()
                .map(|(k, item)| {
                    let base = 4 + 3 * k;
                    let survival = r[base + 2] / count;
                    DrugColumns {
                        name: item.name.clone(),
                        plasma_um: item.params.pk.plasma(&item.times_s, self.t),
                        mean_um: r[base] / count,
                        exposure_um_h: r[base + 1] / count,
                        log10_kill: -survival.max(f64::MIN_POSITIVE).log10() + 0.0,
                    }
                })
                .collect(),
            endpoints,
        })
    }
}
