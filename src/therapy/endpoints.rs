//! Radiotherapy endpoints of a protocol run (issue 23.1–2; `docs/model.md`,
//! "Radiotherapy endpoints"), computed where the fields live:
//!
//! - the Poisson tumour control probability TCP = exp(−N) of the expected surviving
//!   clonogens N = ρ·V·(Σ n / region voxels), with ρ the clonogen density per mm³ of
//!   viable tissue and V the tumour volume (the block's tissue volume unless the
//!   scenario states one);
//! - the surviving fraction and log10 kill of the voxels of each pre-treatment pO2 band
//!   (< 2.5, 2.5–10, ≥ 10 mmHg at t = 0): three 1/0 masks made once at t = 0 by the
//!   `po2_band` kernel, then one masked Σ n per band and step;
//! - the share of the surviving cells in voxels now below 2.5 mmHg: a mask made each
//!   step by the same kernel, and one masked Σ n;
//! - per fraction, the clonogen-weighted surviving fraction S = Σ n after / Σ n before
//!   (two reductions around the irradiation), its oxygen-weighted equivalent uniform
//!   dose ([`LqParams::equivalent_dose_gy`]) and the hypoxic volume histogram of the
//!   tissue at that time (one reduction of threshold counts).
//!
//! What crosses per step is a few scalars; no field is read back but at checkpoints.

use super::state::State;
use crate::backend::o2_coefficients::Po2Band;
use crate::backend::stats::Reduce;
use crate::backend::{Field, O2Backend};
use crate::config::Scenario;
use crate::output::timeline::EndpointColumns;
use crate::physics::radiotherapy::{poisson_tcp, LqParams};
use crate::Result;
use serde::Serialize;

/// Edges of the pre-treatment pO2 bands (mmHg): [0, 2.5), [2.5, 10), [10, ∞)
/// ([`crate::output::timeline::PRE_PO2_BANDS`]).
pub const PRE_BAND_EDGES_MMHG: [f32; 2] = [2.5, 10.0];

/// Cells in voxels below this pO2 (mmHg) count as hypoxic survivors.
pub const HYPOXIC_SURVIVORS_MMHG: f32 = 2.5;

/// Inner edges of the hypoxic volume histogram (mmHg): bins [0, 0.5), [0.5, 1), …,
/// [40, 60), [60, ∞); each bin holds the fraction of tissue voxels whose pO2 lies in
/// it (lower edge included).
pub const HISTOGRAM_EDGES_MMHG: [f32; 10] =
    [0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 60.0];

/// The name of histogram bin `k` (`lt_0.5`, `0.5_to_1`, …, `ge_60`): CSV columns.
pub fn histogram_bin_name(k: usize) -> String {
    let e = HISTOGRAM_EDGES_MMHG;
    if k == 0 {
        format!("lt_{}", e[0])
    } else if k == e.len() {
        format!("ge_{}", e[e.len() - 1])
    } else {
        format!("{}_to_{}", e[k - 1], e[k])
    }
}

/// One radiotherapy fraction as delivered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FractionRecord {
    /// Time of the fraction (h).
    pub time_h: f64,
    /// Physical dose (Gy): the prescribed dose, times the region's mean relative dose
    /// with a dose map.
    pub physical_dose_gy: f64,
    /// Clonogen-weighted surviving fraction of the fraction: Σ n after / Σ n before
    /// over the region.
    pub surviving_fraction: f64,
    /// Oxygen-weighted equivalent uniform dose (Gy): the aerobic uniform dose that
    /// leaves `surviving_fraction`.
    pub eud_gy: f64,
    /// Fraction of tissue voxels in each pO2 bin of [`HISTOGRAM_EDGES_MMHG`] just
    /// before the fraction.
    pub hypoxic_volume_histogram: Vec<f64>,
}

/// What a checkpoint keeps of the endpoints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointState {
    /// Pre-treatment band per voxel: 0 outside the region, else 1, 2, 3 for the bands
    /// of [`PRE_BAND_EDGES_MMHG`] in order.
    pub band: Vec<f32>,
    /// Σ n at t = 0 over each band's voxels.
    pub n0_band: [f64; 3],
    /// The fractions delivered so far.
    pub fractions: Vec<FractionRecord>,
}

/// What the run's outputs report of the endpoints beside the rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointSummary {
    /// Clonogens per mm³ of viable tissue.
    pub clonogen_density_per_mm3: f64,
    /// The tumour volume the clonogens are counted in (cm³).
    pub tumour_volume_cm3: f64,
    /// Whether that volume is the scenario's `tumour_volume_cm3` (else the block's
    /// tissue volume).
    pub tumour_volume_given: bool,
    /// Share of the region's voxels in each pre-treatment band.
    pub band_volume_fraction: [f64; 3],
    /// The fractions delivered.
    pub fractions: Vec<FractionRecord>,
}

/// The endpoints' resident masks and scalars.
pub(crate) struct Endpoints {
    /// 1/0 masks of the pre-treatment bands (region voxels only).
    bands: [Field; 3],
    /// 1/0 mask of the region voxels now below [`HYPOXIC_SURVIVORS_MMHG`] (scratch).
    hypoxic: Field,
    /// Σ n at t = 0 per band.
    n0_band: [f64; 3],
    /// Voxels per band.
    band_voxels: [f64; 3],
    /// ρ·V (clonogens of a region full of viable cells).
    clonogens_per_viable_fraction: f64,
    /// See [`EndpointSummary`].
    tumour_volume_cm3: f64,
    tumour_volume_given: bool,
    clonogen_density_per_mm3: f64,
    /// The fractions delivered so far.
    pub(crate) fractions: Vec<FractionRecord>,
}

/// The band mask kernel of band `k` (0, 1, 2) on `len` voxels.
fn band_kernel(len: usize, k: usize) -> Po2Band {
    let e = PRE_BAND_EDGES_MMHG;
    let lo = if k == 0 { -f32::MAX } else { e[k - 1] };
    let hi = if k == e.len() { f32::MAX } else { e[k] };
    Po2Band { len, lo, hi }
}

impl Endpoints {
    /// Allocates the masks for `region_count` region voxels on `sc`'s grid.
    pub(crate) fn alloc(
        backend: &mut dyn O2Backend,
        sc: &Scenario,
        region_count: f64,
    ) -> Result<Self> {
        let len = sc.grid().len();
        let mut fields = Vec::with_capacity(4);
        for label in [
            "therapy.band_lt_2.5",
            "therapy.band_2.5_to_10",
            "therapy.band_ge_10",
            "therapy.hypoxic_now",
        ] {
            match backend.field_alloc(len, label) {
                Ok(f) => fields.push(f),
                Err(e) => {
                    fields.into_iter().for_each(|f| backend.field_free(f));
                    return Err(e);
                }
            }
        }
        let r = &sc.spec.radiotherapy;
        let h_mm = sc.grid().spacing_um * 1e-3;
        let block_cm3 = region_count * h_mm * h_mm * h_mm * 1e-3;
        let volume_cm3 = r.tumour_volume_cm3.unwrap_or(block_cm3);
        Ok(Endpoints {
            bands: [fields[0], fields[1], fields[2]],
            hypoxic: fields[3],
            n0_band: [0.0; 3],
            band_voxels: [0.0; 3],
            clonogens_per_viable_fraction: r.clonogen_density_per_mm3 * volume_cm3 * 1e3,
            tumour_volume_cm3: volume_cm3,
            tumour_volume_given: r.tumour_volume_cm3.is_some(),
            clonogen_density_per_mm3: r.clonogen_density_per_mm3,
            fractions: Vec::new(),
        })
    }

    /// Frees the masks.
    pub(crate) fn free(&self, backend: &mut dyn O2Backend) {
        for f in self.bands.into_iter().chain([self.hypoxic]) {
            backend.field_free(f);
        }
    }

    /// Classifies the region's voxels by the pO2 of `st` (t = 0) and takes each band's
    /// Σ n and voxel count.
    pub(super) fn start(st: &mut State, backend: &mut dyn O2Backend) -> Result<()> {
        let len = st.o2.grid.len();
        let (region, po2, viable) = (st.tissue.region, st.po2, st.tissue.viable);
        for k in 0..3 {
            let mask = st.endpoints.bands[k];
            backend.pointwise(&band_kernel(len, k), &[region, po2], &[mask])?;
            let r = backend.reduce_masked(mask, &[(viable, Reduce::Sum), (mask, Reduce::Sum)])?;
            st.endpoints.n0_band[k] = r[0];
            st.endpoints.band_voxels[k] = r[1];
        }
        Ok(())
    }

    /// Restores the masks and scalars of a checkpoint.
    pub(crate) fn load(&mut self, backend: &mut dyn O2Backend, s: EndpointState) -> Result<()> {
        for k in 0..3 {
            let want = (k + 1) as f32;
            let mask: Vec<f32> = s
                .band
                .iter()
                .map(|&b| f32::from(u8::from(b == want)))
                .collect();
            self.band_voxels[k] = mask.iter().map(|&m| f64::from(m)).sum();
            backend.field_upload(self.bands[k], &mask)?;
        }
        self.n0_band = s.n0_band;
        self.fractions = s.fractions;
        Ok(())
    }

    /// The checkpoint's part (the masks read back: a checkpoint time).
    pub(crate) fn state(&self, backend: &mut dyn O2Backend) -> Result<EndpointState> {
        let mut band: Vec<f32> = Vec::new();
        for (k, &f) in self.bands.iter().enumerate() {
            let mask = backend.field_read(f)?;
            if band.is_empty() {
                band = vec![0.0; mask.len()];
            }
            for (b, m) in band.iter_mut().zip(mask) {
                if m != 0.0 {
                    *b = (k + 1) as f32;
                }
            }
        }
        Ok(EndpointState {
            band,
            n0_band: self.n0_band,
            fractions: self.fractions.clone(),
        })
    }

    /// What the outputs report beside the rows.
    pub(crate) fn summary(&self) -> EndpointSummary {
        let total: f64 = self.band_voxels.iter().sum();
        EndpointSummary {
            clonogen_density_per_mm3: self.clonogen_density_per_mm3,
            tumour_volume_cm3: self.tumour_volume_cm3,
            tumour_volume_given: self.tumour_volume_given,
            band_volume_fraction: self
                .band_voxels
                .map(|v| if total > 0.0 { v / total } else { 0.0 }),
            fractions: self.fractions.clone(),
        }
    }
}

impl State {
    /// The endpoint columns of the current state, `viable_total` being Σ n over the
    /// region (from the row's own reduction): one mask kernel and four masked sums.
    pub(crate) fn endpoint_columns(
        &self,
        backend: &mut dyn O2Backend,
        viable_total: f64,
    ) -> Result<EndpointColumns> {
        let e = &self.endpoints;
        let viable = self.tissue.viable;
        let mut surviving = [None; 3];
        let mut kill = [None; 3];
        for k in 0..3 {
            if e.n0_band[k] > 0.0 {
                let now = backend.reduce_masked(e.bands[k], &[(viable, Reduce::Sum)])?[0];
                let s = now / e.n0_band[k];
                surviving[k] = Some(s);
                kill[k] = Some(if s > 0.0 {
                    -s.log10() + 0.0
                } else {
                    f64::INFINITY
                });
            }
        }
        let hypoxic = Po2Band {
            len: self.o2.grid.len(),
            lo: -f32::MAX,
            hi: HYPOXIC_SURVIVORS_MMHG,
        };
        backend.pointwise(&hypoxic, &[self.tissue.region, self.po2], &[e.hypoxic])?;
        let in_hypoxic = backend.reduce_masked(e.hypoxic, &[(viable, Reduce::Sum)])?[0];
        let count = self.region_count.max(1.0);
        let n = e.clonogens_per_viable_fraction * viable_total / count;
        Ok(EndpointColumns {
            surviving_clonogens: n,
            tcp: poisson_tcp(n),
            surviving_fraction_by_pre_po2: surviving,
            log10_kill_by_pre_po2: kill,
            hypoxic_share_of_survivors: if viable_total > 0.0 {
                in_hypoxic / viable_total
            } else {
                0.0
            },
            // A fold from +0: an empty f64 sum is −0.
            eud_cumulative_gy: e.fractions.iter().fold(0.0, |a, f| a + f.eud_gy),
            physical_dose_cumulative_gy: e
                .fractions
                .iter()
                .fold(0.0, |a, f| a + f.physical_dose_gy),
        })
    }

    /// Before a fraction: Σ n over the region, the region's mean relative dose (1
    /// without a map) and the hypoxic volume histogram of the tissue.
    pub(crate) fn before_fraction(
        &self,
        backend: &mut dyn O2Backend,
        map: Option<Field>,
    ) -> Result<(f64, f64, Vec<f64>)> {
        let region = self.tissue.region;
        let mut items = vec![(self.tissue.viable, Reduce::Sum)];
        if let Some(m) = map {
            items.push((m, Reduce::Sum));
        }
        let r = backend.reduce_masked(region, &items)?;
        let mean_map = if map.is_some() {
            r[1] / self.region_count.max(1.0)
        } else {
            1.0
        };
        let mut items = vec![(self.mask, Reduce::Sum)];
        items.extend(
            HISTOGRAM_EDGES_MMHG.map(|threshold| (self.po2, Reduce::CountBelow { threshold })),
        );
        let c = backend.reduce_masked(self.mask, &items)?;
        let total = c[0];
        let below = &c[1..];
        let hist = (0..=below.len())
            .map(|k| {
                let lo = if k == 0 { 0.0 } else { below[k - 1] };
                let hi = below.get(k).copied().unwrap_or(total);
                if total > 0.0 {
                    (hi - lo) / total
                } else {
                    0.0
                }
            })
            .collect();
        Ok((r[0], mean_map, hist))
    }

    /// After a fraction of `dose_gy` (prescribed) delivered at `st.t`: records it with
    /// its surviving fraction and equivalent uniform dose under `lq`.
    pub(crate) fn record_fraction(
        &mut self,
        backend: &mut dyn O2Backend,
        lq: &LqParams,
        dose_gy: f64,
        before: (f64, f64, Vec<f64>),
    ) -> Result<()> {
        let (n_before, mean_map, hist) = before;
        let n_after =
            backend.reduce_masked(self.tissue.region, &[(self.tissue.viable, Reduce::Sum)])?[0];
        let s = if n_before > 0.0 {
            (n_after / n_before).min(1.0)
        } else {
            1.0
        };
        self.endpoints.fractions.push(FractionRecord {
            time_h: self.t / 3600.0,
            physical_dose_gy: dose_gy * mean_map,
            surviving_fraction: s,
            eud_gy: lq.equivalent_dose_gy(s),
            hypoxic_volume_histogram: hist,
        });
        Ok(())
    }
}
