//! Unit tests of the private geometry: clipping and axis ranges.

use super::layout::{resolve_axis, Area};
use super::panel::clip_polyline;
use super::AxisRange;

#[test]
fn clipping_keeps_the_inside_pieces() {
    let a = Area {
        x0: 0.0,
        y0: 0.0,
        x1: 10.0,
        y1: 10.0,
        xr: (0.0, 1.0),
        yr: (0.0, 1.0),
    };
    let pieces = clip_polyline(&[(-5.0, 5.0), (5.0, 5.0), (5.0, 20.0), (8.0, 5.0)], &a);
    assert_eq!(pieces.len(), 2, "{pieces:?}");
    assert_eq!(pieces[0], vec![(0.0, 5.0), (5.0, 5.0), (5.0, 10.0)]);
    assert_eq!(pieces[1][1], (8.0, 5.0));
}

#[test]
fn auto_ranges_end_on_round_ticks() {
    let t = resolve_axis(AxisRange::AutoFromZero, Some((3.0, 87.0)));
    assert_eq!(t.range, (0.0, 100.0));
    assert_eq!(t.labels.first().map(String::as_str), Some("0"));
    let t = resolve_axis(AxisRange::Tight, Some((0.0, 336.0)));
    assert_eq!(t.range, (0.0, 336.0));
    assert_eq!(t.ticks, [0.0, 100.0, 200.0, 300.0]);
}

#[test]
fn a_long_protocol_timeline_is_in_days_with_its_events() {
    use super::{protocol_timeline, TimelineData};
    let times: Vec<f64> = (0..=120).map(f64::from).collect();
    let flat = |v: f64| vec![v; times.len()];
    let d = TimelineData {
        hypoxic_fractions: [flat(0.0), flat(0.1), flat(0.2), flat(0.3)],
        mean_po2_mmhg: flat(20.0),
        median_po2_mmhg: flat(18.0),
        viable_fraction: flat(0.8),
        log10_cell_kill: flat(0.0),
        tcp: Some(flat(0.0)),
        drugs: vec![("evo".into(), flat(1.0), flat(0.5), vec![0.0, 48.0])],
        fractions_h: vec![2.0, 26.0],
        windows: vec![("normalisation".into(), 24.0, 96.0)],
        times_h: times.clone(),
    };
    let chart = protocol_timeline(&d).unwrap();
    assert_eq!(chart.panels.len(), 5, "hypoxia, pO2, fractions, kill, drug");
    let last = chart.panels.last().unwrap();
    assert_eq!(last.x_label, "time (d)");
    // Times in days: the window from 1 to 4 d on every panel, labelled on the top one.
    for (i, p) in chart.panels.iter().enumerate() {
        assert_eq!(p.spans.len(), 1);
        assert_eq!(p.spans[0].x, (1.0, 4.0));
        assert_eq!(p.spans[0].label.is_empty(), i > 0);
        // Two fractions and two doses as ticks only.
        assert_eq!(p.ref_lines.iter().filter(|r| r.tick_only).count(), 4);
    }
    assert_eq!(chart.panels[0].series.len(), 4);
    // A short run stays in hours.
    let short = TimelineData {
        times_h: times[..25].to_vec(),
        hypoxic_fractions: std::array::from_fn(|_| vec![0.0; 25]),
        mean_po2_mmhg: vec![1.0; 25],
        median_po2_mmhg: vec![1.0; 25],
        viable_fraction: vec![1.0; 25],
        log10_cell_kill: vec![0.0; 25],
        ..TimelineData::default()
    };
    let chart = protocol_timeline(&short).unwrap();
    assert_eq!(chart.panels.len(), 4);
    assert_eq!(chart.panels[3].x_label, "time (h)");
    assert!(chart.png(72).is_ok());
    // Mismatched series are refused.
    let bad = TimelineData {
        mean_po2_mmhg: vec![1.0; 3],
        ..short
    };
    assert!(protocol_timeline(&bad).is_err());
}
