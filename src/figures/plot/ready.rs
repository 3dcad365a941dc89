//! Ready-made plots of a run: the protocol timeline, the pO₂ histogram and the pO₂
//! against distance to the nearest vessel, with the binning behind them.

use super::{
    Axis, AxisRange, Chart, LegendPos, Plot, RefLine, Series, BLUE, GREY, HYPOXIA_COLOURS,
};
use crate::figures::ticks::tick_labels;
use crate::metrics::HYPOXIA_THRESHOLDS_MMHG;
use crate::{Error, Result};

/// A protocol timeline: hypoxic fractions (% of tissue below 0.5, 2.5, 5 and 10 mmHg)
/// in the upper panel, mean tissue pO₂ in the lower one, sharing the time axis.
/// `hypoxic_fractions` are fractions in [0, 1], one series per threshold of
/// `HYPOXIA_THRESHOLDS_MMHG`; mark events (radiotherapy fractions) with
/// [`Chart::with_events`].
///
/// Fails when the series lengths differ from `times_h`.
pub fn timeline_plot(
    times_h: &[f64],
    hypoxic_fractions: &[Vec<f64>; 4],
    mean_po2_mmhg: &[f64],
) -> Result<Chart> {
    let n = times_h.len();
    if hypoxic_fractions.iter().any(|f| f.len() != n) || mean_po2_mmhg.len() != n {
        return Err(Error::input(
            "timeline",
            format!(
                "{n} times but {:?} hypoxic fractions and {} mean pO2 values",
                hypoxic_fractions.iter().map(Vec::len).collect::<Vec<_>>(),
                mean_po2_mmhg.len()
            ),
        ));
    }
    let mut top = Plot::new("", "hypoxic tissue (%)");
    top.x_range = AxisRange::Tight;
    top.legend = LegendPos::OutsideRight;
    top.height_weight = 1.4;
    for ((f, t), c) in hypoxic_fractions
        .iter()
        .zip(HYPOXIA_THRESHOLDS_MMHG)
        .zip(HYPOXIA_COLOURS)
    {
        let pts = times_h
            .iter()
            .zip(f)
            .map(|(&x, &y)| (x, 100.0 * y))
            .collect();
        top.series.push(Series::line(format!("< {t} mmHg"), pts, c));
    }
    let mut bottom = Plot::new("time (h)", "mean pO\u{2082} (mmHg)");
    bottom.x_range = AxisRange::Tight;
    bottom.legend = LegendPos::None;
    bottom.series.push(Series::line(
        "mean pO\u{2082}",
        times_h
            .iter()
            .copied()
            .zip(mean_po2_mmhg.iter().copied())
            .collect(),
        BLUE,
    ));
    Ok(Chart {
        title: None,
        panels: vec![top, bottom],
        shared_x: true,
        width_in: 6.0,
        height_in: 4.0,
        font_pt: 8.0,
    })
}

/// Tissue pO₂ binned for a histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct Po2Histogram {
    /// Bin width (mmHg); bin `i` is `[i·bin, (i + 1)·bin)`.
    pub(crate) bin_mmhg: f64,
    /// Percent of the values in each bin; sums to 100 when there are any values.
    pub percent: Vec<f64>,
    /// Percent of the values below each bin's upper edge (the hypoxic volume
    /// histogram), non-decreasing, ending at 100.
    pub below_percent: Vec<f64>,
    /// Number of finite values counted.
    pub count: usize,
}

impl Po2Histogram {
    /// The data behind the histogram plot as CSV: one row per bin (lower and upper
    /// edge in mmHg, % of tissue in the bin, % below the upper edge).
    pub fn csv(&self) -> String {
        let mut out = String::from("lower_mmhg,upper_mmhg,percent,percent_below_upper\n");
        for (i, (p, b)) in self.percent.iter().zip(&self.below_percent).enumerate() {
            let lo = self.bin_mmhg * i as f64;
            out.push_str(&format!("{lo},{},{p},{b}\n", lo + self.bin_mmhg));
        }
        out
    }
}

/// Bins `values_mmhg` into `[0, max_mmhg)` in steps of `bin_mmhg`. Values below 0 count
/// in the first bin and values at or above `max_mmhg` in the last, so every finite
/// value is counted once; NaN is skipped.
pub fn histogram(values_mmhg: &[f32], bin_mmhg: f64, max_mmhg: f64) -> Result<Po2Histogram> {
    if !(bin_mmhg.is_finite() && bin_mmhg > 0.0 && max_mmhg.is_finite() && max_mmhg >= bin_mmhg) {
        return Err(Error::input(
            "histogram",
            format!("bin {bin_mmhg} mmHg and maximum {max_mmhg} mmHg must be positive with bin ≤ maximum"),
        ));
    }
    let bins = (max_mmhg / bin_mmhg - 1e-9).ceil().max(1.0) as usize;
    if bins > 100_000 {
        return Err(Error::input(
            "histogram",
            format!("{bins} bins are too many"),
        ));
    }
    let mut counts = vec![0usize; bins];
    let mut n = 0;
    for &v in values_mmhg {
        if v.is_nan() {
            continue;
        }
        let i = ((v as f64 / bin_mmhg).floor().max(0.0) as usize).min(bins - 1);
        counts[i] += 1;
        n += 1;
    }
    let scale = if n > 0 { 100.0 / n as f64 } else { 0.0 };
    let percent: Vec<f64> = counts.iter().map(|&c| c as f64 * scale).collect();
    let mut acc = 0usize;
    let below_percent = counts
        .iter()
        .map(|&c| {
            acc += c;
            acc as f64 * scale
        })
        .collect();
    Ok(Po2Histogram {
        bin_mmhg,
        percent,
        below_percent,
        count: n,
    })
}

/// A histogram of tissue pO₂ (% of tissue per `bin_mmhg` bin, up to `max_mmhg`) above
/// the cumulative hypoxic volume histogram (% of tissue below each pO₂), sharing the
/// pO₂ axis. See [`histogram`] for the binning.
pub fn po2_histogram(values_mmhg: &[f32], bin_mmhg: f64, max_mmhg: f64) -> Result<Chart> {
    Ok(histogram(values_mmhg, bin_mmhg, max_mmhg)?.chart())
}

impl Po2Histogram {
    /// The chart of [`po2_histogram`] from these bins (so a caller that also writes
    /// them out bins once).
    pub fn chart(&self) -> Chart {
        let h = self;
        let b = h.bin_mmhg;
        let top_edge = b * h.percent.len() as f64;
        let bin_label = tick_labels(&[b]).pop().unwrap_or_default();
        let mut top = Plot::new("", format!("% per {bin_label} mmHg"));
        top.height_weight = 1.2;
        top.x_range = AxisRange::Fixed(0.0, top_edge);
        top.legend = LegendPos::None;
        let bars = h
            .percent
            .iter()
            .enumerate()
            .map(|(i, &p)| ((i as f64 + 0.5) * b, p))
            .collect();
        top.series.push(Series::bars("", bars, b, BLUE));

        let mut bottom = Plot::new("pO\u{2082} (mmHg)", "tissue below pO\u{2082} (%)");
        bottom.x_range = AxisRange::Fixed(0.0, top_edge);
        bottom.y_range = AxisRange::Fixed(0.0, 100.0);
        let mut cum = vec![(0.0, 0.0)];
        cum.extend(
            h.below_percent
                .iter()
                .enumerate()
                .map(|(i, &p)| ((i + 1) as f64 * b, p)),
        );
        bottom.series.push(Series::line("", cum, BLUE));
        for t in [2.5, 10.0] {
            if t < top_edge {
                bottom.ref_lines.push(RefLine {
                    axis: Axis::X,
                    value: t,
                    colour: GREY,
                    label: "2.5 and 10 mmHg".into(),
                    tick_only: false,
                });
            }
        }
        Chart {
            title: None,
            panels: vec![top, bottom],
            shared_x: true,
            width_in: 4.5,
            height_in: 4.0,
            font_pt: 8.0,
        }
    }
}

/// pO₂ binned by distance to the nearest vessel.
#[derive(Debug, Clone, PartialEq)]
pub struct DistanceProfile {
    /// Bin centres (µm) of the bins with data.
    pub(crate) distance_um: Vec<f64>,
    /// Mean pO₂ in each bin (mmHg).
    pub(crate) mean: Vec<f64>,
    /// 10th percentile (mmHg).
    pub(crate) p10: Vec<f64>,
    /// 90th percentile (mmHg).
    pub(crate) p90: Vec<f64>,
    /// Values in each bin.
    pub(crate) count: Vec<usize>,
    /// The 99th percentile of distance: the end of the profile (µm).
    pub(crate) max_um: f64,
}

impl DistanceProfile {
    /// The data behind the distance plot as CSV: one row per distance bin with data
    /// (centre in µm, mean and 10th/90th percentile pO₂ in mmHg, voxel count).
    pub fn csv(&self) -> String {
        let mut out = String::from("distance_um,mean_mmhg,p10_mmhg,p90_mmhg,voxels\n");
        for i in 0..self.distance_um.len() {
            out.push_str(&format!(
                "{},{},{},{},{}\n",
                self.distance_um[i], self.mean[i], self.p10[i], self.p90[i], self.count[i]
            ));
        }
        out
    }
}

/// The `q`-quantile (0–1) of sorted `v` by linear interpolation between ranks.
fn quantile(v: &[f32], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(v.len() - 1);
    let t = pos - i as f64;
    v[i] as f64 * (1.0 - t) + v[j] as f64 * t
}

/// Mean and 10th/90th percentiles of `po2` in bins of `bin_um` of `distance_um`, from
/// 0 to the 99th percentile of distance; pairs with a non-finite value are skipped
/// (e.g. everything when there are no vessels).
pub fn distance_profile(po2: &[f32], distance_um: &[f32], bin_um: f64) -> Result<DistanceProfile> {
    if po2.len() != distance_um.len() {
        return Err(Error::input(
            "distance profile",
            format!(
                "{} pO2 values but {} distances",
                po2.len(),
                distance_um.len()
            ),
        ));
    }
    if !(bin_um.is_finite() && bin_um > 0.0) {
        return Err(Error::input(
            "distance profile",
            format!("bin width {bin_um} µm must be positive"),
        ));
    }
    // The finite pairs, walked twice rather than gathered (a 256³ grid's pairs would
    // be 134 MB at a run's memory peak).
    let pairs = || {
        po2.iter()
            .zip(distance_um)
            .filter(|(p, d)| p.is_finite() && d.is_finite())
            .map(|(&p, &d)| (p, d))
    };
    let max_um = {
        let mut dist: Vec<f32> = pairs().map(|(_, d)| d).collect();
        dist.sort_by(f32::total_cmp);
        if dist.is_empty() {
            0.0
        } else {
            quantile(&dist, 0.99)
        }
    };
    let bins = ((max_um / bin_um).floor() as usize + 1).min(1_000_000);
    let mut groups: Vec<Vec<f32>> = vec![Vec::new(); bins];
    for (p, d) in pairs() {
        if (d as f64) <= max_um {
            let i = ((d as f64 / bin_um) as usize).min(bins - 1);
            groups[i].push(p);
        }
    }
    let mut out = DistanceProfile {
        distance_um: Vec::new(),
        mean: Vec::new(),
        p10: Vec::new(),
        p90: Vec::new(),
        count: Vec::new(),
        max_um,
    };
    for (i, g) in groups.iter_mut().enumerate() {
        if g.is_empty() {
            continue;
        }
        g.sort_by(f32::total_cmp);
        let centre = ((i as f64 + 0.5) * bin_um).min(max_um);
        out.distance_um.push(centre);
        out.mean
            .push(g.iter().map(|&v| v as f64).sum::<f64>() / g.len() as f64);
        out.p10.push(quantile(g, 0.1));
        out.p90.push(quantile(g, 0.9));
        out.count.push(g.len());
    }
    Ok(out)
}

/// The diffusion-limit plot: mean tissue pO₂ with its 10th–90th percentile band
/// against distance to the nearest vessel, in bins of `bin_um`, out to the 99th
/// percentile of distance (see [`distance_profile`]). `distance_um` comes from
/// [`crate::figures::distance::distance_to_vessels_um`].
pub fn po2_vs_distance(po2: &[f32], distance_um: &[f32], bin_um: f64) -> Result<Chart> {
    Ok(distance_profile(po2, distance_um, bin_um)?.chart())
}

impl DistanceProfile {
    /// The chart of [`po2_vs_distance`] from this profile (so a caller that also
    /// writes it out bins once).
    pub fn chart(&self) -> Chart {
        let d = self;
        let mut p = Plot::new("distance to nearest vessel (\u{b5}m)", "pO\u{2082} (mmHg)");
        p.x_range = AxisRange::Fixed(0.0, if d.max_um > 0.0 { d.max_um } else { 1.0 });
        p.series.push(Series::band(
            "10th\u{2013}90th percentile",
            &d.distance_um,
            &d.p10,
            &d.p90,
            BLUE,
        ));
        p.series.push(Series::line(
            "mean",
            d.distance_um
                .iter()
                .copied()
                .zip(d.mean.iter().copied())
                .collect(),
            BLUE,
        ));
        p.ref_lines.push(RefLine {
            axis: Axis::Y,
            value: 10.0,
            colour: GREY,
            label: "10 mmHg".into(),
            tick_only: false,
        });
        p.into_chart(4.0, 3.0)
    }
}

/// One drug of a timeline figure: name, plasma and tumour-mean concentration per row
/// (µM), dose times (h).
pub type DrugLines = (String, Vec<f64>, Vec<f64>, Vec<f64>);

/// What a protocol's timeline figure shows: one value per row of each series (times
/// in hours), and the protocol's events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimelineData {
    /// Row times (h).
    pub times_h: Vec<f64>,
    /// Fractions of tissue below 0.5, 2.5, 5 and 10 mmHg.
    pub hypoxic_fractions: [Vec<f64>; 4],
    /// Mean tissue pO₂ (mmHg).
    pub mean_po2_mmhg: Vec<f64>,
    /// Median tissue pO₂ (mmHg).
    pub median_po2_mmhg: Vec<f64>,
    /// Mean viable fraction.
    pub viable_fraction: Vec<f64>,
    /// −log10 of the surviving cells.
    pub log10_cell_kill: Vec<f64>,
    /// Tumour control probability, when the run has it.
    pub tcp: Option<Vec<f64>>,
    /// Per drug: name, plasma and tumour-mean concentration (µM), dose times (h).
    pub drugs: Vec<DrugLines>,
    /// Radiotherapy fraction times (h).
    pub fractions_h: Vec<f64>,
    /// Intervention windows: label, start and end (h).
    pub windows: Vec<(String, f64, f64)>,
}

/// Colours of intervention windows (shaded bands), by order of appearance.
const WINDOW_COLOURS: [[u8; 3]; 4] = [[0, 158, 115], [213, 94, 0], [86, 180, 233], [204, 121, 167]];
/// Colours of drugs (plasma solid, tumour mean dashed), by order.
const DRUG_COLOURS: [[u8; 3]; 4] = [[0, 114, 178], [230, 159, 0], [0, 158, 115], [204, 121, 167]];

/// The timeline of a protocol run, panels sharing the time axis (days for runs longer
/// than 3 days): hypoxic fractions; mean and median pO₂; viable fraction and TCP;
/// log10 cell kill; drug levels when the protocol has drugs. Radiotherapy fractions
/// are ticks along the top of every panel, drug doses ticks in the drug's colour,
/// intervention windows shaded bands labelled on the top panel. Automatic y axes
/// leave a margin, so a series at 0 is not hidden under the axis.
pub fn protocol_timeline(d: &TimelineData) -> Result<Chart> {
    let n = d.times_h.len();
    let lens = d.hypoxic_fractions.iter().map(Vec::len).chain([
        d.mean_po2_mmhg.len(),
        d.median_po2_mmhg.len(),
        d.viable_fraction.len(),
        d.log10_cell_kill.len(),
    ]);
    if lens.into_iter().any(|l| l != n) || n == 0 {
        return Err(Error::input(
            "timeline",
            format!("{n} rows, but series of other lengths (or none): nothing to plot"),
        ));
    }
    let span_h = d.times_h[n - 1] - d.times_h[0];
    let (scale, unit) = if span_h > 72.0 {
        (1.0 / 24.0, "d")
    } else {
        (1.0, "h")
    };
    let t: Vec<f64> = d.times_h.iter().map(|x| x * scale).collect();
    let pts = |v: &[f64], k: f64| -> Vec<(f64, f64)> {
        t.iter().copied().zip(v.iter().map(|y| y * k)).collect()
    };
    let panel = |y_label: &str| {
        let mut p = Plot::new("", y_label);
        p.x_range = AxisRange::Tight;
        p.legend = LegendPos::OutsideRight;
        p
    };

    let mut hf = panel("hypoxic tissue (%)");
    hf.height_weight = 1.3;
    for ((f, th), c) in d
        .hypoxic_fractions
        .iter()
        .zip(HYPOXIA_THRESHOLDS_MMHG)
        .zip(HYPOXIA_COLOURS)
    {
        hf.series
            .push(Series::line(format!("< {th} mmHg"), pts(f, 100.0), c));
    }
    let mut po2 = panel("pO\u{2082} (mmHg)");
    po2.series
        .push(Series::line("mean", pts(&d.mean_po2_mmhg, 1.0), BLUE));
    po2.series
        .push(Series::line("median", pts(&d.median_po2_mmhg, 1.0), BLUE).dashed());
    let mut alive = panel("fraction");
    alive.y_range = AxisRange::Fixed(-0.03, 1.03);
    alive.series.push(Series::line(
        "viable fraction",
        pts(&d.viable_fraction, 1.0),
        [0, 140, 90],
    ));
    if let Some(tcp) = &d.tcp {
        alive
            .series
            .push(Series::line("TCP", pts(tcp, 1.0), [200, 40, 40]));
    }
    let mut kill = panel("log\u{2081}\u{2080} cell kill");
    kill.series.push(Series::line(
        "log\u{2081}\u{2080} kill",
        pts(&d.log10_cell_kill, 1.0),
        [90, 90, 90],
    ));
    let mut panels = vec![hf, po2, alive, kill];
    if !d.drugs.is_empty() {
        let mut drug = panel("drug (\u{b5}M)");
        for (i, (name, plasma, mean, _)) in d.drugs.iter().enumerate() {
            let c = DRUG_COLOURS[i % DRUG_COLOURS.len()];
            drug.series
                .push(Series::line(format!("{name} plasma"), pts(plasma, 1.0), c));
            drug.series
                .push(Series::line(format!("{name} tumour"), pts(mean, 1.0), c).dashed());
        }
        panels.push(drug);
    }
    if let Some(last) = panels.last_mut() {
        last.x_label = format!("time ({unit})");
    }
    let count = panels.len();
    let mut chart = Chart {
        title: None,
        panels,
        shared_x: true,
        width_in: 6.5,
        height_in: 1.55 * count as f64 + 0.9,
        font_pt: 8.0,
    };
    for (i, (label, start, end)) in d.windows.iter().enumerate() {
        let c = WINDOW_COLOURS[i % WINDOW_COLOURS.len()];
        chart = chart.with_span(start * scale, end * scale, label, c);
    }
    if !d.fractions_h.is_empty() {
        let f: Vec<f64> = d.fractions_h.iter().map(|x| x * scale).collect();
        chart = chart.with_ticks(&f, "RT fraction", GREY);
    }
    for (i, (name, _, _, doses)) in d.drugs.iter().enumerate() {
        if !doses.is_empty() {
            let f: Vec<f64> = doses.iter().map(|x| x * scale).collect();
            let c = DRUG_COLOURS[i % DRUG_COLOURS.len()];
            chart = chart.with_ticks(&f, &format!("{name} dose"), c);
        }
    }
    Ok(chart)
}
