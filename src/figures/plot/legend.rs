//! Legends: one row per labelled series and per distinct reference-line label, in a
//! box placed in a chosen corner, outside the axes, or in the corner that hides the
//! least data.

use super::layout::Area;
use super::panel::tint;
use super::surface::Surface;
use super::{LegendPos, Plot, SeriesKind};
use crate::figures::canvas::{measure, Colour, HAlign, TextMetrics, TextStyle, VAlign};

const LEGEND_EDGE: Colour = [190, 190, 190];

/// One legend row: what its sample looks like and its text.
enum Sample {
    Line {
        colour: Colour,
        dashed: bool,
    },
    Fill(Colour),
    /// A short vertical mark (event ticks).
    Tick(Colour),
}

fn legend_entries(p: &Plot) -> Vec<(Sample, String)> {
    let mut out = Vec::new();
    for s in &p.series {
        if s.label.is_empty() {
            continue;
        }
        let sample = match s.kind {
            SeriesKind::Bars { .. } => Sample::Fill(s.colour),
            SeriesKind::Band { .. } => Sample::Fill(tint(s.colour, 0.25)),
            _ => Sample::Line {
                colour: s.colour,
                dashed: s.dashed,
            },
        };
        out.push((sample, s.label.clone()));
    }
    let mut seen: Vec<&str> = Vec::new();
    for r in &p.ref_lines {
        if r.label.is_empty() || seen.contains(&r.label.as_str()) {
            continue;
        }
        seen.push(&r.label);
        let sample = if r.tick_only {
            Sample::Tick(r.colour)
        } else {
            Sample::Line {
                colour: r.colour,
                dashed: true,
            }
        };
        out.push((sample, r.label.clone()));
    }
    out
}

/// Size of a legend box and the height of its rows (pixels).
pub(super) struct LegendBox {
    entries: Vec<(Sample, String)>,
    pub(super) w: f64,
    h: f64,
    row: f64,
}

const LEGEND_SAMPLE_PT: f64 = 16.0;
const LEGEND_GAP_PT: f64 = 4.0;
const LEGEND_INNER_PT: f64 = 4.0;
/// Gap between the axes and a legend outside them.
pub(super) const LEGEND_OUTSIDE_PT: f64 = 6.0;

pub(super) fn legend_box(p: &Plot, k: f64, font: &TextStyle) -> Option<LegendBox> {
    let entries = legend_entries(p);
    if entries.is_empty() || p.legend == LegendPos::None {
        return None;
    }
    let m: TextMetrics = measure("0", font);
    let row = (m.height() as f64 * 1.15).round();
    let text_w = entries
        .iter()
        .map(|(_, t)| measure(t, font).width as f64)
        .fold(0.0, f64::max);
    let w = (k * (2.0 * LEGEND_INNER_PT + LEGEND_SAMPLE_PT + LEGEND_GAP_PT) + text_w).round();
    let h = (k * 2.0 * LEGEND_INNER_PT + row * entries.len() as f64).round();
    Some(LegendBox { entries, w, h, row })
}

pub(super) fn draw_legend(s: &mut dyn Surface, p: &Plot, a: &Area, k: f64, font: &TextStyle) {
    let Some(LegendBox {
        entries,
        w: bw,
        h: bh,
        row,
    }) = legend_box(p, k, font)
    else {
        return;
    };
    let sample_w = LEGEND_SAMPLE_PT * k;
    let gap = LEGEND_GAP_PT * k;
    let inner = LEGEND_INNER_PT * k;
    let inset = 5.0 * k;
    let corner = |pos: LegendPos| -> (f64, f64) {
        let left = (a.x0 + inset).round();
        let rightx = (a.x1 - inset - bw).round();
        let top = (a.y0 + inset).round();
        let bottom = (a.y1 - inset - bh).round();
        match pos {
            LegendPos::TopLeft => (left, top),
            LegendPos::BottomLeft => (left, bottom),
            LegendPos::BottomRight => (rightx, bottom),
            LegendPos::OutsideRight => ((a.x1 + LEGEND_OUTSIDE_PT * k).round(), a.y0),
            _ => (rightx, top),
        }
    };
    let pos = match p.legend {
        LegendPos::Auto => [
            LegendPos::TopRight,
            LegendPos::TopLeft,
            LegendPos::BottomRight,
            LegendPos::BottomLeft,
        ]
        .into_iter()
        .min_by_key(|&c| {
            let (x, y) = corner(c);
            overlap(p, a, (x, y, x + bw, y + bh))
        })
        .unwrap_or(LegendPos::TopRight),
        other => other,
    };
    let (x, y) = corner(pos);
    s.rect(x, y, bw, bh, [255, 255, 255]);
    let edge = s.thickness(0.6 * k);
    s.rect(x, y, bw, edge, LEGEND_EDGE);
    s.rect(x, y + bh - edge, bw, edge, LEGEND_EDGE);
    s.rect(x, y, edge, bh, LEGEND_EDGE);
    s.rect(x + bw - edge, y, edge, bh, LEGEND_EDGE);
    for (i, (sample, text)) in entries.iter().enumerate() {
        let cy = y + inner + row * (i as f64 + 0.5);
        let sx = x + inner;
        match sample {
            Sample::Line { colour, dashed } => {
                let d = dashed.then_some([4.0 * k, 2.5 * k]);
                s.polyline(
                    &[(sx + k, cy), (sx + sample_w - k, cy)],
                    1.5 * k,
                    *colour,
                    d,
                    Some("legend"),
                );
            }
            Sample::Fill(c) => {
                let sh = (row * 0.6).round();
                s.rect(sx, (cy - sh / 2.0).round(), sample_w, sh, *c);
            }
            Sample::Tick(c) => {
                let (tw, th) = (s.thickness(1.2 * k), (row * 0.6).round());
                let tx = (sx + sample_w / 2.0 - tw / 2.0).round();
                s.rect(tx, (cy - th / 2.0).round(), tw, th, *c);
            }
        }
        s.text(
            text,
            sx + sample_w + gap,
            cy,
            font,
            HAlign::Left,
            VAlign::Middle,
            false,
        );
    }
}

/// How much data a legend box at `b` = (x0, y0, x1, y1) pixels would hide: the number
/// of samples, taken every pixel or so along each series, that fall inside it.
fn overlap(p: &Plot, a: &Area, b: (f64, f64, f64, f64)) -> usize {
    let inside = |(x, y): (f64, f64)| x >= b.0 && x <= b.2 && y >= b.1 && y <= b.3;
    let mut n = 0;
    for s in &p.series {
        match &s.kind {
            SeriesKind::Bars { width } => {
                for &(x, y) in &s.points {
                    let (l, r) = (a.px(x - width / 2.0), a.px(x + width / 2.0));
                    if r >= b.0 && l <= b.2 && a.py(y.max(0.0)) <= b.3 && a.py(y.min(0.0)) >= b.1 {
                        n += 4;
                    }
                }
            }
            SeriesKind::Band { lower } => {
                for (&(x, y), &l) in s.points.iter().zip(lower) {
                    let px = a.px(x);
                    if px >= b.0 && px <= b.2 && a.py(y) <= b.3 && a.py(l) >= b.1 {
                        n += 2;
                    }
                }
            }
            _ => {
                for seg in s.points.windows(2) {
                    let (p0, p1) = (a.map(seg[0]), a.map(seg[1]));
                    let len = ((p1.0 - p0.0).powi(2) + (p1.1 - p0.1).powi(2)).sqrt();
                    let steps = (len.ceil() as usize).clamp(1, 10_000);
                    for i in 0..steps {
                        let t = i as f64 / steps as f64;
                        if inside((p0.0 + t * (p1.0 - p0.0), p0.1 + t * (p1.1 - p0.1))) {
                            n += 1;
                        }
                    }
                }
            }
        }
    }
    n
}
