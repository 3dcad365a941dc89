//! Drawing one panel: grid, reference lines, series (bands, bars, lines, steps)
//! clipped to the axes, event marks, frame and ticks, then its legend.

use super::layout::{Area, AxisTicks};
use super::legend::draw_legend;
use super::surface::Surface;
use super::{Axis, Plot, Series, SeriesKind};
use crate::figures::canvas::{Colour, HAlign, TextStyle, VAlign, BLACK};

const GRID: Colour = [228, 228, 228];

#[allow(clippy::too_many_arguments)]
pub(super) fn draw_panel(
    s: &mut dyn Surface,
    p: &Plot,
    a: &Area,
    xa: &AxisTicks,
    ya: &AxisTicks,
    show_x: bool,
    k: f64,
    font: &TextStyle,
    line_t: f64,
    tick_len: f64,
) {
    let grid_t = s.thickness(0.5 * k);
    let (w, h) = (a.x1 - a.x0, a.y1 - a.y0);
    for &t in &ya.ticks {
        let y = a.py(t).round();
        s.rect(a.x0, y - (grid_t / 2.0).floor(), w, grid_t, GRID);
    }
    for &t in &xa.ticks {
        let x = a.px(t).round();
        s.rect(x - (grid_t / 2.0).floor(), a.y0, grid_t, h, GRID);
    }

    // Shaded intervals under everything but the grid, labelled at their top left.
    for span in &p.spans {
        let (x0, x1) = (a.px(span.x.0).max(a.x0), a.px(span.x.1).min(a.x1));
        if x1 > x0 {
            s.rect(x0, a.y0, x1 - x0, h, tint(span.colour, 0.16));
            if !span.label.is_empty() {
                let style = TextStyle {
                    colour: span.colour,
                    ..*font
                };
                s.text(
                    &span.label,
                    x0 + 2.0 * k,
                    a.y0 + 2.0 * k + tick_len * 1.5,
                    &style,
                    HAlign::Left,
                    VAlign::Top,
                    false,
                );
            }
        }
    }

    let dash = Some([3.0 * k, 2.5 * k]);
    for r in p.ref_lines.iter().filter(|r| !r.tick_only) {
        let (pa, pb) = match r.axis {
            Axis::X => {
                let x = a.px(r.value);
                ((x, a.y0), (x, a.y1))
            }
            Axis::Y => {
                let y = a.py(r.value);
                ((a.x0, y), (a.x1, y))
            }
        };
        for piece in clip_polyline(&[pa, pb], a) {
            s.polyline(&piece, 0.8 * k, r.colour, dash, Some("ref"));
        }
    }

    let order = |s: &Series| match s.kind {
        SeriesKind::Band { .. } => 0,
        SeriesKind::Bars { .. } => 1,
        _ => 2,
    };
    let mut series: Vec<&Series> = p.series.iter().collect();
    series.sort_by_key(|s| order(s));
    for ser in series {
        match &ser.kind {
            SeriesKind::Bars { width } => {
                for &(x, y) in &ser.points {
                    if !(x.is_finite() && y.is_finite()) {
                        continue;
                    }
                    let (l, r) = (a.px(x - width / 2.0), a.px(x + width / 2.0));
                    let (t, b) = (a.py(y.max(0.0)), a.py(y.min(0.0)));
                    let (l, r) = (l.max(a.x0), r.min(a.x1));
                    let (t, b) = (t.max(a.y0), b.min(a.y1));
                    if r > l && b > t {
                        s.rect(l, t, r - l, b - t, ser.colour);
                    }
                }
            }
            SeriesKind::Band { lower } => {
                let tint = tint(ser.colour, 0.25);
                let clamp_y = |y: f64| y.clamp(a.y0, a.y1);
                let mut upper_px = Vec::new();
                let mut lower_px = Vec::new();
                for (&(x, y), &l) in ser.points.iter().zip(lower) {
                    if !(x.is_finite() && y.is_finite() && l.is_finite()) {
                        continue;
                    }
                    let px = a.px(x);
                    if px < a.x0 - 1e-9 || px > a.x1 + 1e-9 {
                        continue;
                    }
                    upper_px.push((px, clamp_y(a.py(y))));
                    lower_px.push((px, clamp_y(a.py(l))));
                }
                s.band(&upper_px, &lower_px, tint);
            }
            SeriesKind::Line | SeriesKind::Step => {
                let d = ser.dashed.then_some([4.0 * k, 2.5 * k]);
                for run in finite_runs(&ser.points) {
                    let run = if ser.kind == SeriesKind::Step {
                        staircase(&run)
                    } else {
                        run
                    };
                    let px: Vec<(f64, f64)> = run.iter().map(|&q| a.map(q)).collect();
                    for piece in clip_polyline(&px, a) {
                        s.polyline(&piece, 1.5 * k, ser.colour, d, Some("series"));
                    }
                }
            }
        }
    }

    // Event marks: a short solid tick hanging from the top edge, so events stay
    // visible where the dashed line is hidden by data.
    for r in p.ref_lines.iter().filter(|r| r.axis == Axis::X) {
        let x = a.px(r.value);
        if x >= a.x0 && x <= a.x1 {
            s.rect(
                (x - line_t / 2.0).round(),
                a.y0,
                line_t,
                tick_len * 1.5,
                r.colour,
            );
        }
    }

    // Frame and ticks over the data.
    s.rect(
        a.x0 - line_t,
        a.y0 - line_t,
        w + 2.0 * line_t,
        line_t,
        BLACK,
    );
    s.rect(a.x0 - line_t, a.y1, w + 2.0 * line_t, line_t, BLACK);
    s.rect(a.x0 - line_t, a.y0, line_t, h, BLACK);
    s.rect(a.x1, a.y0, line_t, h, BLACK);
    let half = (line_t / 2.0).floor();
    for (&t, l) in ya.ticks.iter().zip(&ya.labels) {
        let y = a.py(t).round();
        s.rect(a.x0 - line_t - tick_len, y - half, tick_len, line_t, BLACK);
        s.text(
            l,
            a.x0 - line_t - tick_len - 2.0 * k,
            y,
            font,
            HAlign::Right,
            VAlign::Middle,
            false,
        );
    }
    for (&t, l) in xa.ticks.iter().zip(&xa.labels) {
        let x = a.px(t).round();
        s.rect(x - half, a.y1 + line_t, line_t, tick_len, BLACK);
        if show_x {
            s.text(
                l,
                x,
                a.y1 + line_t + tick_len + 2.0 * k,
                font,
                HAlign::Centre,
                VAlign::Top,
                false,
            );
        }
    }

    draw_legend(s, p, a, k, font);
}

/// A colour mixed with white: `amount` of the colour.
pub(super) fn tint(c: Colour, amount: f64) -> Colour {
    c.map(|v| (255.0 - (255.0 - v as f64) * amount).round() as u8)
}

/// Runs of consecutive finite points.
fn finite_runs(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for &(x, y) in points {
        let finite = x.is_finite() && y.is_finite();
        match runs.last_mut() {
            Some(run) if finite => run.push((x, y)),
            Some(run) if !run.is_empty() => runs.push(Vec::new()),
            _ => {}
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn staircase(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2);
    for (i, &(x, y)) in points.iter().enumerate() {
        if i > 0 {
            out.push((x, points[i - 1].1));
        }
        out.push((x, y));
    }
    out
}

/// The pieces of a polyline (pixels) inside the area, by Liang–Barsky clipping of
/// each segment.
pub(super) fn clip_polyline(points: &[(f64, f64)], a: &Area) -> Vec<Vec<(f64, f64)>> {
    // Edges count as inside, so a line along an axis limit (y = 0) is drawn.
    let (xmin, xmax, ymin, ymax) = (a.x0, a.x1, a.y0, a.y1);
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    if points.len() == 1 {
        let (x, y) = points[0];
        if x >= xmin && x <= xmax && y >= ymin && y <= ymax {
            pieces.push(vec![(x, y)]);
        }
        return pieces;
    }
    for seg in points.windows(2) {
        let (p, q) = (seg[0], seg[1]);
        let (dx, dy) = (q.0 - p.0, q.1 - p.1);
        let mut t0: f64 = 0.0;
        let mut t1: f64 = 1.0;
        let mut visible = true;
        for (pp, qq) in [
            (-dx, p.0 - xmin),
            (dx, xmax - p.0),
            (-dy, p.1 - ymin),
            (dy, ymax - p.1),
        ] {
            if pp == 0.0 {
                if qq < 0.0 {
                    visible = false;
                }
            } else {
                let r = qq / pp;
                if pp < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        if !visible || t0 > t1 {
            if current.len() > 1 {
                pieces.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        let a_pt = (p.0 + t0 * dx, p.1 + t0 * dy);
        let b_pt = (p.0 + t1 * dx, p.1 + t1 * dy);
        if current.last() != Some(&a_pt) {
            if current.len() > 1 {
                pieces.push(std::mem::take(&mut current));
            }
            current.clear();
            current.push(a_pt);
        }
        current.push(b_pt);
        if t1 < 1.0 {
            pieces.push(std::mem::take(&mut current));
        }
    }
    if current.len() > 1 {
        pieces.push(current);
    }
    pieces
}
