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
