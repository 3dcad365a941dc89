//! Plots (issue 8): the vessel distance transform against brute force, and the
//! ready-made timeline, histogram and distance plots rendered to PNG and SVG.

use oxyfield::figures::distance::{distance_to_vessels_um, squared_distance_voxels};
use oxyfield::figures::plot::{
    histogram, po2_histogram, po2_vs_distance, timeline_plot, AxisRange, Chart, LegendPos, Plot,
    Series, SeriesKind, BLUE, HYPOXIA_COLOURS,
};
use oxyfield::grid::Grid;
use oxyfield::rng::Rng;
use std::path::PathBuf;

fn brute_force_um(sv: &[f32], g: &Grid) -> Vec<f32> {
    let vessels: Vec<(usize, usize, usize)> = (0..g.len())
        .filter(|&n| sv[n] > 0.0)
        .map(|n| g.ijk(n))
        .collect();
    (0..g.len())
        .map(|n| {
            let (i, j, k) = g.ijk(n);
            let d2 = vessels
                .iter()
                .map(|&(a, b, c)| {
                    let d = |p: usize, q: usize| (p as f64 - q as f64).powi(2);
                    d(i, a) + d(j, b) + d(k, c)
                })
                .fold(f64::INFINITY, f64::min);
            (d2.sqrt() * g.spacing_um) as f32
        })
        .collect()
}

fn random_sv(g: &Grid, density: f64, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..g.len())
        .map(|_| if rng.uniform() < density { 0.02 } else { 0.0 })
        .collect()
}

#[test]
fn distance_transform_matches_brute_force() {
    for (shape, density, seed) in [
        ([7, 9, 13], 0.03, 1),
        ([5, 11, 6], 0.005, 2),
        ([1, 17, 19], 0.02, 3),
        ([12, 1, 1], 0.1, 4),
        ([6, 6, 6], 0.5, 5),
    ] {
        let g = Grid::from_shape_zyx(shape, 2.5);
        let mut sv = random_sv(&g, density, seed);
        if sv.iter().all(|&s| s <= 0.0) {
            sv[g.len() / 3] = 0.01;
        }
        let got = distance_to_vessels_um(&sv, &g).unwrap();
        let want = brute_force_um(&sv, &g);
        for (n, (a, b)) in got.iter().zip(&want).enumerate() {
            assert!(
                (a - b).abs() <= 1e-4 * b.max(1.0),
                "{shape:?} voxel {n}: {a} vs {b}"
            );
        }
        for (n, &s) in sv.iter().enumerate() {
            if s > 0.0 {
                assert_eq!(got[n], 0.0);
            }
        }
    }
    // Squared distances are exact integers in voxel units.
    let g = Grid::from_shape_zyx([4, 5, 6], 1.0);
    let mut mask = vec![false; g.len()];
    mask[g.index(0, 0, 0)] = true;
    let d2 = squared_distance_voxels(&mask, &g);
    assert_eq!(d2[g.index(5, 4, 3)], 25.0 + 16.0 + 9.0);
}

#[test]
fn distance_without_vessels_is_infinite_and_sizes_are_checked() {
    let g = Grid::from_shape_zyx([3, 4, 5], 10.0);
    let d = distance_to_vessels_um(&vec![0.0; g.len()], &g).unwrap();
    assert!(d.iter().all(|v| v.is_infinite()));
    assert!(distance_to_vessels_um(&[0.0; 7], &g).is_err());
}

/// Does the image contain a pixel of exactly colour `c`?
fn has_colour(img: &image::RgbImage, c: [u8; 3]) -> bool {
    img.pixels().any(|p| p.0 == c)
}

fn parse_svg(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).expect("SVG is well-formed XML")
}

fn count_class(doc: &roxmltree::Document, tag: &str, class: &str) -> usize {
    doc.descendants()
        .filter(|n| n.has_tag_name(tag) && n.attribute("class") == Some(class))
        .count()
}

fn texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect()
}

/// A made-up protocol: 5 daily fractions from 24 h; each reoxygenates the tumour
/// a little, and the hypoxic fractions relax back.
fn synthetic_timeline() -> (Vec<f64>, [Vec<f64>; 4], Vec<f64>, Vec<f64>) {
    let events: Vec<f64> = (1..=5).map(|d| 24.0 * d as f64).collect();
    let times: Vec<f64> = (0..=84).map(|i| 2.0 * i as f64).collect();
    let boost = |t: f64| -> f64 {
        events
            .iter()
            .filter(|&&e| t >= e)
            .map(|&e| 0.35 * (-(t - e) / 30.0).exp())
            .sum::<f64>()
            + 0.25 * (1.0 - (-(t / 80.0)).exp())
    };
    let base = [0.04, 0.11, 0.17, 0.27];
    let fr: [Vec<f64>; 4] = base.map(|b| {
        times
            .iter()
            .map(|&t| b * (1.0 - boost(t)).max(0.05))
            .collect()
    });
    let mean = times.iter().map(|&t| 22.0 + 14.0 * boost(t)).collect();
    (times, fr, mean, events)
}

/// A made-up tissue: random straight vessels in a 120 × 120 × 40 block of 10 µm
/// voxels; pO₂ falls off with distance from them, with scatter.
fn synthetic_field() -> (Grid, Vec<f32>, Vec<f32>) {
    let g = Grid::from_shape_zyx([40, 120, 120], 10.0);
    let mut rng = Rng::new(7);
    let mut sv = vec![0.0f32; g.len()];
    for _ in 0..14 {
        let p = [
            rng.range(0.0, 120.0),
            rng.range(0.0, 120.0),
            rng.range(0.0, 40.0),
        ];
        let d = [rng.normal(), rng.normal(), 0.3 * rng.normal()];
        for s in -80..80 {
            let q = [0, 1, 2].map(|a| p[a] + d[a] * s as f64 * 0.5);
            if q[0] >= 0.0
                && q[1] >= 0.0
                && q[2] >= 0.0
                && q[0] < 120.0
                && q[1] < 120.0
                && q[2] < 40.0
            {
                sv[g.index(q[0] as usize, q[1] as usize, q[2] as usize)] = 0.02;
            }
        }
    }
    let dist = distance_to_vessels_um(&sv, &g).unwrap();
    let po2 = dist
        .iter()
        .map(|&d| {
            let m = 75.0 * (-(d as f64) / 55.0).exp();
            (m * (1.0 + 0.25 * rng.normal())).max(0.0) as f32
        })
        .collect();
    (g, po2, dist)
}

fn png_and_svg(chart: &Chart) -> (image::RgbImage, String) {
    let img = chart.png(150).unwrap();
    assert_eq!(img.width(), (chart.width_in * 150.0).round() as u32);
    assert_eq!(img.height(), (chart.height_in * 150.0).round() as u32);
    (img, chart.svg().unwrap())
}

#[test]
fn timeline_renders_its_series_ticks_and_events() {
    let (t, fr, mean, events) = synthetic_timeline();
    let chart = timeline_plot(&t, &fr, &mean)
        .unwrap()
        .with_events(&events, "RT fraction")
        .with_title("Synthetic protocol");
    let (img, svg) = png_and_svg(&chart);
    for c in HYPOXIA_COLOURS.into_iter().chain([BLUE]) {
        assert!(has_colour(&img, c), "colour {c:?} missing from the PNG");
    }
    let doc = parse_svg(&svg);
    assert_eq!(count_class(&doc, "polyline", "series"), 5);
    // One dashed line per event in each of the two panels.
    assert_eq!(count_class(&doc, "polyline", "ref"), 2 * events.len());
    let labels = texts(&doc);
    for want in [
        "0",
        "50",
        "100",
        "150",
        "time (h)",
        "< 0.5 mmHg",
        "< 10 mmHg",
        "RT fraction",
        "Synthetic protocol",
    ] {
        assert!(
            labels.iter().any(|l| l == want),
            "{want:?} not in {labels:?}"
        );
    }
    // Only the bottom panel labels the shared time axis.
    assert_eq!(labels.iter().filter(|l| *l == "time (h)").count(), 1);
    assert!(timeline_plot(&t[1..], &fr, &mean).is_err());
}

#[test]
fn histogram_bars_sum_to_100_percent() {
    let values: Vec<f32> = (0..1000).map(|i| (i as f32) * 0.13 - 5.0).collect();
    let h = histogram(&values, 1.0, 100.0).unwrap();
    assert_eq!(h.percent.len(), 100);
    assert_eq!(h.count, 1000);
    let total: f64 = h.percent.iter().sum();
    assert!((total - 100.0).abs() < 1e-9, "{total}");
    assert!((h.below_percent[99] - 100.0).abs() < 1e-9);
    assert!(h.below_percent.windows(2).all(|w| w[1] >= w[0]));
    // Values below 0 (39 of them, −5 … −0.06) land in the first bin with [0, 1).
    assert!(
        (h.percent[0] - (39.0 + 8.0) / 10.0).abs() < 1e-9,
        "{}",
        h.percent[0]
    );

    let chart = po2_histogram(&values, 1.0, 100.0).unwrap();
    let bars = &chart.panels[0].series[0];
    assert!(matches!(bars.kind, SeriesKind::Bars { .. }));
    let sum: f64 = bars.points.iter().map(|p| p.1).sum();
    assert!((sum - 100.0).abs() < 1e-9, "{sum}");
    let cum = &chart.panels[1].series[0];
    assert_eq!(cum.points.first(), Some(&(0.0, 0.0)));
    assert!((cum.points.last().unwrap().1 - 100.0).abs() < 1e-9);

    let (img, svg) = png_and_svg(&chart);
    assert!(has_colour(&img, BLUE));
    let doc = parse_svg(&svg);
    assert_eq!(count_class(&doc, "polyline", "series"), 1);
    let labels = texts(&doc);
    for want in [
        "0",
        "20",
        "100",
        "pO\u{2082} (mmHg)",
        "tissue below pO\u{2082} (%)",
    ] {
        assert!(
            labels.iter().any(|l| l == want),
            "{want:?} not in {labels:?}"
        );
    }
    assert!(histogram(&values, 0.0, 100.0).is_err());
}

#[test]
fn distance_plot_shows_mean_and_band() {
    let (_, po2, dist) = synthetic_field();
    let chart = po2_vs_distance(&po2, &dist, 5.0).unwrap();
    let p = &chart.panels[0];
    let band = &p.series[0];
    let SeriesKind::Band { lower } = &band.kind else {
        panic!("first series is the band")
    };
    let mean = &p.series[1];
    for ((lo, hi), m) in lower.iter().zip(&band.points).zip(&mean.points) {
        assert!(*lo <= hi.1 && m.1 >= *lo - 1e-9 && m.1 <= hi.1 + 1e-9);
    }
    // pO₂ falls with distance in this made-up tissue.
    assert!(mean.points[0].1 > 2.0 * mean.points.last().unwrap().1);
    let (img, svg) = png_and_svg(&chart);
    assert!(has_colour(&img, BLUE));
    let doc = parse_svg(&svg);
    assert_eq!(count_class(&doc, "polyline", "series"), 1);
    assert_eq!(count_class(&doc, "polygon", "band"), 1);
    let labels = texts(&doc);
    for want in ["0", "mean", "distance to nearest vessel (\u{b5}m)"] {
        assert!(
            labels.iter().any(|l| l == want),
            "{want:?} not in {labels:?}"
        );
    }
}

/// Writes the three example plots to `$TMPDIR/plot_examples/` for people to look at,
/// and checks that `write` produces a PNG with its DPI and an SVG.
#[test]
fn example_plots_are_written() {
    let dir = std::env::temp_dir().join("plot_examples");
    std::fs::create_dir_all(&dir).unwrap();
    let (t, fr, mean, events) = synthetic_timeline();
    let (_, po2, dist) = synthetic_field();
    let charts: [(&str, Chart); 3] = [
        (
            "timeline",
            timeline_plot(&t, &fr, &mean)
                .unwrap()
                .with_events(&events, "RT fraction")
                .with_title("Hypoxia over 5 × 2 Gy"),
        ),
        (
            "po2_histogram",
            po2_histogram(&po2, 1.0, 100.0)
                .unwrap()
                .with_title("Tissue pO\u{2082}"),
        ),
        (
            "po2_vs_distance",
            po2_vs_distance(&po2, &dist, 5.0).unwrap(),
        ),
    ];
    for (name, chart) in charts {
        let (png, svg): (PathBuf, PathBuf) = chart.write(&dir.join(name), 150).unwrap();
        let bytes = std::fs::read(&png).unwrap();
        // pHYs at 150 dpi = 5906 px/m.
        let phys = bytes
            .windows(4)
            .position(|w| w == b"pHYs")
            .expect("pHYs chunk");
        let ppm = u32::from_be_bytes(bytes[phys + 4..phys + 8].try_into().unwrap());
        assert_eq!(ppm, 5906);
        let text = std::fs::read_to_string(&svg).unwrap();
        parse_svg(&text);
    }
}

/// A million voxels in well under the second the issue allows (tens of ms on two
/// cores; the test profile is optimised).
#[test]
fn distance_transform_of_a_million_voxels_is_fast() {
    let g = Grid::from_shape_zyx([100, 100, 100], 10.0);
    let mut sv = vec![0.0f32; g.len()];
    sv[g.index(0, 0, 0)] = 0.02;
    sv[g.index(99, 0, 0)] = 0.02;
    let t = std::time::Instant::now();
    let d = distance_to_vessels_um(&sv, &g).unwrap();
    let elapsed = t.elapsed();
    let far = d[g.index(0, 99, 99)];
    assert!(
        (far - (2.0f32 * 99.0 * 99.0).sqrt() * 10.0).abs() < 1e-3,
        "{far}"
    );
    let mid = d[g.index(50, 0, 0)];
    assert_eq!(mid, 490.0);
    assert!(elapsed.as_secs_f64() < 1.0, "{elapsed:?}");
}

/// A hand-made panel: a dashed staircase and a line broken by NaN, clipped by fixed
/// ranges narrower than the data, with the legend where it was asked for.
#[test]
fn custom_plot_clips_breaks_and_labels() {
    let red = [200, 30, 30];
    let mut p = Plot::new("dose (Gy)", "survival");
    p.x_range = AxisRange::Fixed(0.0, 8.0);
    p.y_range = AxisRange::Fixed(0.0, 1.0);
    p.legend = LegendPos::BottomLeft;
    p.series.push(
        Series::line(
            "step",
            (0..12)
                .map(|i| (i as f64, 1.0 / (1.0 + i as f64)))
                .collect(),
            red,
        )
        .step()
        .dashed(),
    );
    let broken = vec![
        (0.0, 0.2),
        (4.0, 0.3),
        (f64::NAN, 0.0),
        (5.0, 0.4),
        (20.0, 2.0),
    ];
    p.series.push(Series::line("broken", broken, BLUE));
    let chart = p.into_chart(4.0, 3.0).with_title("a & b < c");
    let (img, svg) = png_and_svg(&chart);
    assert!(has_colour(&img, red) && has_colour(&img, BLUE));
    let doc = parse_svg(&svg);
    // The step line stays whole (it leaves the axes only at its end); the broken
    // line is two runs.
    assert_eq!(count_class(&doc, "polyline", "series"), 3);
    for n in doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("series"))
    {
        for xy in n.attribute("points").unwrap().split(' ') {
            let (x, y) = xy.split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!((0.0..=288.0).contains(&x) && (0.0..=216.0).contains(&y));
        }
    }
    let labels = texts(&doc);
    for want in [
        "a & b < c",
        "0.0",
        "0.2",
        "1.0",
        "8",
        "step",
        "broken",
        "survival",
    ] {
        assert!(
            labels.iter().any(|l| l == want),
            "{want:?} not in {labels:?}"
        );
    }
    let dir = std::env::temp_dir().join("plot_examples");
    std::fs::create_dir_all(&dir).unwrap();
    chart.write(&dir.join("custom"), 150).unwrap();
    assert!(chart.png(0).is_err());
    let tiny = Chart {
        width_in: 0.3,
        ..chart.clone()
    };
    assert!(tiny.png(150).is_err() && tiny.svg().is_err());
}
