//! Chart layout: margins from the tick labels, panel heights from their weights,
//! titles and axis labels, and each axis's range and round ticks.

use super::legend::{legend_box, LEGEND_OUTSIDE_PT};
use super::panel::draw_panel;
use super::surface::Surface;
use super::{AxisRange, Chart, Extent, LegendPos, Plot};
use crate::figures::canvas::{measure, HAlign, TextStyle, VAlign, BLACK};
use crate::figures::ticks::{nice_ticks, tick_labels};
use crate::{Error, Result};

impl Chart {
    /// Lays the chart out at `k` pixels per point on a `w × h` surface and draws it.
    pub(super) fn draw(&self, s: &mut dyn Surface, k: f64, w: f64, h: f64) -> Result<()> {
        let pt = |v: f64| v * k;
        let tick_font = TextStyle {
            size_px: pt(self.font_pt) as f32,
            bold: false,
            colour: BLACK,
        };
        let label_font = TextStyle {
            size_px: pt(self.font_pt + 1.0) as f32,
            ..tick_font
        };
        let title_font = TextStyle {
            size_px: pt(self.font_pt + 2.0) as f32,
            bold: true,
            ..tick_font
        };
        let tick_len = pt(3.5);
        let line_t = s.thickness(pt(0.8));
        let pad = pt(6.0);

        // Axes first: tick labels decide the margins.
        let shared = self.shared_x.then(|| {
            let mut ext = Extent::default();
            for p in &self.panels {
                if let Some((a, b)) = p.data_extent().x {
                    ext.x(a);
                    ext.x(b);
                }
            }
            let range = self.panels[0].x_range;
            resolve_axis(range, ext.x)
        });
        let axes: Vec<(AxisTicks, AxisTicks)> = self
            .panels
            .iter()
            .map(|p| {
                let ext = p.data_extent();
                let x = shared
                    .clone()
                    .unwrap_or_else(|| resolve_axis(p.x_range, ext.x));
                (x, padded(p.y_range, resolve_axis(p.y_range, ext.y)))
            })
            .collect();

        let tick_h = measure("0", &tick_font).height() as f64;
        let label_h = measure("0", &label_font).height() as f64;
        let y_label_w = axes
            .iter()
            .flat_map(|(_, y)| y.labels.iter())
            .map(|l| measure(l, &tick_font).width as f64)
            .fold(0.0, f64::max);
        let last_x_w = axes
            .iter()
            .filter_map(|(x, _)| x.labels.last())
            .map(|l| measure(l, &tick_font).width as f64)
            .fold(0.0, f64::max);
        let any_y_label = self.panels.iter().any(|p| !p.y_label.is_empty());
        let left = (pad
            + if any_y_label { label_h + pt(4.0) } else { 0.0 }
            + y_label_w
            + pt(3.0)
            + tick_len)
            .round();
        let legend_w = self
            .panels
            .iter()
            .filter(|p| p.legend == LegendPos::OutsideRight)
            .filter_map(|p| legend_box(p, k, &tick_font))
            .map(|b| b.w + pt(LEGEND_OUTSIDE_PT))
            .fold(0.0, f64::max);
        let right = (w - pad - (last_x_w / 2.0).max(legend_w)).round();
        let x_axis_h = |p: &Plot| {
            tick_len
                + pt(2.0)
                + tick_h
                + if p.x_label.is_empty() {
                    0.0
                } else {
                    pt(2.0) + label_h
                }
        };
        let mut top = pad;
        if let Some(t) = &self.title {
            let m = measure(t, &title_font);
            s.text(
                t,
                w / 2.0,
                top,
                &title_font,
                HAlign::Centre,
                VAlign::Top,
                false,
            );
            top += m.height() as f64 + pt(2.0);
        }
        // Room for the top tick label, which is centred on the panel's top edge.
        top += tick_h / 2.0;
        let n = self.panels.len();
        let mut fixed = top + pad;
        for (i, p) in self.panels.iter().enumerate() {
            if p.title.is_some() {
                fixed += label_h + pt(3.0);
            }
            let last = i + 1 == n;
            if last || !self.shared_x {
                fixed += x_axis_h(p);
            }
            if !last {
                fixed += pt(if self.shared_x { 12.0 } else { 10.0 });
            }
        }
        let avail = h - fixed;
        let total_weight: f64 = self.panels.iter().map(|p| p.height_weight.max(0.0)).sum();
        if avail < pt(20.0) * n as f64 || right - left < pt(40.0) || total_weight <= 0.0 {
            return Err(Error::input(
                "--size",
                format!(
                    "{} × {} in is too small for this plot",
                    self.width_in, self.height_in
                ),
            ));
        }

        let mut y = top;
        for (i, (p, (xa, ya))) in self.panels.iter().zip(&axes).enumerate() {
            if let Some(t) = &p.title {
                s.text(
                    t,
                    (left + right) / 2.0,
                    y,
                    &label_font,
                    HAlign::Centre,
                    VAlign::Top,
                    false,
                );
                y += label_h + pt(3.0);
            }
            let ph = (avail * p.height_weight.max(0.0) / total_weight).round();
            let area = Area {
                x0: left,
                y0: y.round(),
                x1: right,
                y1: (y + ph).round(),
                xr: xa.range,
                yr: ya.range,
            };
            let last = i + 1 == n;
            let show_x = last || !self.shared_x;
            draw_panel(s, p, &area, xa, ya, show_x, k, &tick_font, line_t, tick_len);
            if !p.y_label.is_empty() {
                s.text(
                    &p.y_label,
                    pad,
                    (area.y0 + area.y1) / 2.0,
                    &label_font,
                    HAlign::Centre,
                    VAlign::Top,
                    true,
                );
            }
            y = area.y1;
            if show_x {
                if !p.x_label.is_empty() {
                    s.text(
                        &p.x_label,
                        (area.x0 + area.x1) / 2.0,
                        y + tick_len + pt(2.0) + tick_h + pt(2.0),
                        &label_font,
                        HAlign::Centre,
                        VAlign::Top,
                        false,
                    );
                }
                y += x_axis_h(p);
            }
            if !last {
                y += pt(if self.shared_x { 12.0 } else { 10.0 });
            }
        }
        Ok(())
    }
}

/// An axis's range, ticks and tick labels.
#[derive(Debug, Clone)]
pub(super) struct AxisTicks {
    pub(super) range: (f64, f64),
    pub(super) ticks: Vec<f64>,
    pub(super) labels: Vec<String>,
}

pub(super) fn resolve_axis(range: AxisRange, data: Option<(f64, f64)>) -> AxisTicks {
    let (mut lo, mut hi) = match range {
        AxisRange::Fixed(lo, hi) => (lo, hi),
        _ => data.unwrap_or((0.0, 1.0)),
    };
    if range == AxisRange::AutoFromZero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if hi <= lo {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        if range == AxisRange::AutoFromZero && lo == 0.0 {
            hi = 1.0;
        } else {
            lo -= d;
            hi += d;
        }
    }
    if matches!(range, AxisRange::Auto | AxisRange::AutoFromZero) {
        // Widen to the enclosing round ticks; twice, because widening can change the
        // step.
        for _ in 0..2 {
            let t = nice_ticks(lo, hi);
            if t.len() >= 2 {
                let step = t[1] - t[0];
                // The tolerance points inwards: a limit already on a tick stays.
                lo = (lo / step + 1e-9).floor() * step;
                hi = (hi / step - 1e-9).ceil() * step;
            }
        }
    }
    let ticks = nice_ticks(lo, hi);
    let labels = tick_labels(&ticks);
    AxisTicks {
        range: (lo, hi),
        ticks,
        labels,
    }
}

/// An automatic y axis widened by 3 % of its span at each end (its ticks unchanged),
/// so that a series at an end of the range (a fraction at 0, a curve at its maximum)
/// is drawn inside the frame, not hidden under the axis line. Fixed and tight ranges
/// are as given.
pub(super) fn padded(range: AxisRange, t: AxisTicks) -> AxisTicks {
    if !matches!(range, AxisRange::Auto | AxisRange::AutoFromZero) {
        return t;
    }
    let (lo, hi) = t.range;
    let d = 0.03 * (hi - lo);
    AxisTicks {
        range: (lo - d, hi + d),
        ..t
    }
}

/// A panel's plotting area in pixels and the data ranges it shows.
pub(super) struct Area {
    pub(super) x0: f64,
    pub(super) y0: f64,
    pub(super) x1: f64,
    pub(super) y1: f64,
    pub(super) xr: (f64, f64),
    pub(super) yr: (f64, f64),
}

impl Area {
    pub(super) fn px(&self, x: f64) -> f64 {
        self.x0 + (x - self.xr.0) / (self.xr.1 - self.xr.0) * (self.x1 - self.x0)
    }
    pub(super) fn py(&self, y: f64) -> f64 {
        self.y1 - (y - self.yr.0) / (self.yr.1 - self.yr.0) * (self.y1 - self.y0)
    }
    pub(super) fn map(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (self.px(x), self.py(y))
    }
}
