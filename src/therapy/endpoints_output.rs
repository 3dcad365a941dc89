//! What a protocol run writes of its radiotherapy endpoints beside the timeline:
//! `hypoxic_volume_histogram.csv` (one row per fraction) and the `endpoints` block of
//! `summary.json`. Key and column names are a contract with users' scripts.

use super::endpoints::{
    histogram_bin_name, EndpointSummary, FractionRecord, HISTOGRAM_EDGES_MMHG,
    HYPOXIC_SURVIVORS_MMHG, PRE_BAND_EDGES_MMHG,
};
use crate::atomic;
use crate::output::timeline::{Row, PRE_PO2_BANDS};
use crate::Result;
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

/// The histogram's file name in the run folder.
pub(super) const HISTOGRAM_FILE: &str = "hypoxic_volume_histogram.csv";

/// The CSV text: `fraction,time_h,physical_dose_gy` and one column per pO2 bin
/// (`lt_0.5`, `0.5_to_1`, …, `ge_60`: the fraction of tissue voxels in the bin just
/// before the fraction).
pub(super) fn histogram_csv(fractions: &[FractionRecord]) -> String {
    let mut out = String::from("fraction,time_h,physical_dose_gy");
    for k in 0..=HISTOGRAM_EDGES_MMHG.len() {
        let _ = write!(out, ",{}", histogram_bin_name(k));
    }
    out.push('\n');
    for (i, f) in fractions.iter().enumerate() {
        let _ = write!(out, "{},{},{:.6}", i + 1, f.time_h, f.physical_dose_gy);
        for v in &f.hypoxic_volume_histogram {
            let _ = write!(out, ",{v:.6}");
        }
        out.push('\n');
    }
    out
}

/// Writes [`HISTOGRAM_FILE`] into `dir` (a header only without fractions).
pub(super) fn write_histogram(dir: &Path, e: &EndpointSummary) -> Result<()> {
    atomic::write(
        &dir.join(HISTOGRAM_FILE),
        histogram_csv(&e.fractions).as_bytes(),
    )
}

/// `endpoints` of `summary.json`.
#[derive(Debug, Serialize)]
pub(super) struct EndpointsBlock<'a> {
    clonogen_density_per_mm3: f64,
    eud_cumulative_gy: f64,
    fractions: &'a [FractionRecord],
    hypoxic_share_of_survivors: f64,
    hypoxic_survivors_below_mmhg: f64,
    hypoxic_volume_histogram: HistogramBlock,
    initial_clonogens: f64,
    physical_dose_cumulative_gy: f64,
    pre_po2_bands: BandsBlock,
    surviving_clonogens: f64,
    tcp: f64,
    tumour_volume_cm3: f64,
    tumour_volume_source: &'static str,
}

/// `endpoints.hypoxic_volume_histogram`: the bins of `fractions[].hypoxic_volume_histogram`.
#[derive(Debug, Serialize)]
struct HistogramBlock {
    bin_edges_mmhg: Vec<f64>,
    bins: Vec<String>,
    file: &'static str,
}

/// `endpoints.pre_po2_bands`: the voxels classified by their pO2 at t = 0.
#[derive(Debug, Serialize)]
struct BandsBlock {
    edges_mmhg: Vec<f64>,
    log10_kill: [Option<f64>; 3],
    names: [&'static str; 3],
    surviving_fraction: [Option<f64>; 3],
    volume_fraction: [f64; 3],
}

/// The block of `e`, with the start and end values from the rows `first` and `last`.
pub(super) fn block<'a>(e: &'a EndpointSummary, first: &Row, last: &Row) -> EndpointsBlock<'a> {
    let end = &last.endpoints;
    EndpointsBlock {
        clonogen_density_per_mm3: e.clonogen_density_per_mm3,
        eud_cumulative_gy: end.eud_cumulative_gy,
        fractions: &e.fractions,
        hypoxic_share_of_survivors: end.hypoxic_share_of_survivors,
        hypoxic_survivors_below_mmhg: f64::from(HYPOXIC_SURVIVORS_MMHG),
        hypoxic_volume_histogram: HistogramBlock {
            bin_edges_mmhg: std::iter::once(0.0)
                .chain(HISTOGRAM_EDGES_MMHG.iter().map(|&v| f64::from(v)))
                .collect(),
            bins: (0..=HISTOGRAM_EDGES_MMHG.len())
                .map(histogram_bin_name)
                .collect(),
            file: HISTOGRAM_FILE,
        },
        initial_clonogens: first.endpoints.surviving_clonogens,
        physical_dose_cumulative_gy: end.physical_dose_cumulative_gy,
        pre_po2_bands: BandsBlock {
            edges_mmhg: PRE_BAND_EDGES_MMHG.iter().map(|&v| f64::from(v)).collect(),
            log10_kill: end.log10_kill_by_pre_po2,
            names: PRE_PO2_BANDS,
            surviving_fraction: end.surviving_fraction_by_pre_po2,
            volume_fraction: e.band_volume_fraction,
        },
        surviving_clonogens: end.surviving_clonogens,
        tcp: end.tcp,
        tumour_volume_cm3: e.tumour_volume_cm3,
        tumour_volume_source: if e.tumour_volume_given {
            "radiotherapy.tumour_volume_cm3"
        } else {
            "the tissue voxels of the grid"
        },
    }
}
