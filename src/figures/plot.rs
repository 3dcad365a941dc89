//! Line, step, bar and band plots for people: one or more panels stacked top to
//! bottom, with nice ticks, axis labels, a legend and reference lines, rendered to a
//! PNG (through [`Canvas`]) and to SVG (through [`Svg`]) from one layout, so the two
//! look alike.
//!
//! Sizes of text, lines and gaps are in points (1/72 inch); the PNG turns them into
//! pixels through its DPI, the SVG is laid out at 72 user units per inch. Series are
//! clipped to their panel's axes, so fixed ranges narrower than the data are safe.
//!
//! Ready-made plots of a run: [`timeline_plot`], [`po2_histogram`] and
//! [`po2_vs_distance`].

use super::canvas::{measure, Canvas, Colour, HAlign, TextMetrics, TextStyle, VAlign, BLACK};
use super::png::write_png;
use super::svg::Svg;
use super::ticks::{nice_ticks, tick_labels};
use crate::metrics::HYPOXIA_THRESHOLDS_MMHG;
use crate::output::atomic;
use crate::{Error, Result};
use image::RgbImage;
use std::path::{Path, PathBuf};

/// How a series is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum SeriesKind {
    /// Straight segments between the points.
    Line,
    /// A staircase: `y[i]` holds from `x[i]` to `x[i + 1]`.
    Step,
    /// Bars from 0 to `y`, centred on `x`, `width` data units wide.
    Bars {
        /// Width of every bar (x units).
        width: f64,
    },
    /// A shaded band between `lower[i]` and the points' `y[i]` (the upper edge), in a
    /// light tint of the series colour.
    Band {
        /// The lower edge, one value per point.
        lower: Vec<f64>,
    },
}

/// One data series of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text; empty for no legend entry.
    pub label: String,
    /// (x, y) in data units, x increasing. Non-finite points break a line.
    pub points: Vec<(f64, f64)>,
    /// Line, staircase, bars or band.
    pub kind: SeriesKind,
    /// Colour of the line or fill.
    pub colour: Colour,
    /// Dashed line (lines and steps only).
    pub dashed: bool,
}

impl Series {
    /// A solid line.
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>, colour: Colour) -> Self {
        Series {
            label: label.into(),
            points,
            kind: SeriesKind::Line,
            colour,
            dashed: false,
        }
    }

    /// Bars of `width` x units centred on the points' x.
    pub fn bars(
        label: impl Into<String>,
        points: Vec<(f64, f64)>,
        width: f64,
        colour: Colour,
    ) -> Self {
        Series {
            kind: SeriesKind::Bars { width },
            ..Series::line(label, points, colour)
        }
    }

    /// A band between `lower` and `upper` over `x` (all of one length).
    pub fn band(
        label: impl Into<String>,
        x: &[f64],
        lower: &[f64],
        upper: &[f64],
        colour: Colour,
    ) -> Self {
        Series {
            kind: SeriesKind::Band {
                lower: lower.to_vec(),
            },
            ..Series::line(
                label,
                x.iter().copied().zip(upper.iter().copied()).collect(),
                colour,
            )
        }
    }

    /// The same series as a staircase.
    pub fn step(mut self) -> Self {
        self.kind = SeriesKind::Step;
        self
    }

    /// The same series dashed.
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    /// Smallest and largest x and y drawn, ignoring non-finite values.
    fn extent(&self) -> Option<[(f64, f64); 2]> {
        let mut ext = Extent::default();
        for (n, &(x, y)) in self.points.iter().enumerate() {
            match &self.kind {
                SeriesKind::Bars { width } => {
                    ext.x(x - width / 2.0);
                    ext.x(x + width / 2.0);
                    ext.y(0.0);
                    ext.y(y);
                }
                SeriesKind::Band { lower } => {
                    ext.x(x);
                    ext.y(y);
                    if let Some(&l) = lower.get(n) {
                        ext.y(l);
                    }
                }
                _ => {
                    ext.x(x);
                    ext.y(y);
                }
            }
        }
        ext.get()
    }
}

#[derive(Default)]
struct Extent {
    x: Option<(f64, f64)>,
    y: Option<(f64, f64)>,
}

impl Extent {
    fn grow(r: &mut Option<(f64, f64)>, v: f64) {
        if v.is_finite() {
            *r = Some(r.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
        }
    }
    fn x(&mut self, v: f64) {
        Self::grow(&mut self.x, v)
    }
    fn y(&mut self, v: f64) {
        Self::grow(&mut self.y, v)
    }
    fn get(&self) -> Option<[(f64, f64); 2]> {
        Some([self.x?, self.y?])
    }
}

/// How an axis finds its range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AxisRange {
    /// The data's range widened to round tick values.
    Auto,
    /// As [`AxisRange::Auto`], always including 0 (amounts, fractions).
    AutoFromZero,
    /// Exactly the data's range (a time axis); ticks at round values inside it.
    Tight,
    /// Fixed limits (low, high); data outside is clipped.
    Fixed(f64, f64),
}

/// Where the legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendPos {
    /// No legend.
    None,
    /// The inside corner that covers the least data.
    Auto,
    /// Inside, top left.
    TopLeft,
    /// Inside, top right.
    TopRight,
    /// Inside, bottom left.
    BottomLeft,
    /// Inside, bottom right.
    BottomRight,
    /// Outside the axes, right of the panel, top-aligned (for many entries).
    OutsideRight,
}

/// Which axis a reference line crosses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// A vertical line at an x value (an event time).
    X,
    /// A horizontal line at a y value (a threshold).
    Y,
}

/// A vertical or horizontal line across a panel, e.g. a radiotherapy fraction or a
/// hypoxia threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct RefLine {
    /// The axis whose `value` it marks.
    pub axis: Axis,
    /// Position in data units.
    pub value: f64,
    /// Line colour.
    pub colour: Colour,
    /// Legend text (one entry per distinct label); empty for none.
    pub label: String,
}

/// One panel: axes, series, reference lines and a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// Title above the panel.
    pub title: Option<String>,
    /// Label under the x axis (e.g. `time (h)`).
    pub x_label: String,
    /// Label left of the y axis (e.g. `pO₂ (mmHg)`).
    pub y_label: String,
    /// Drawn in order: bands, then bars, then lines and steps on top.
    pub series: Vec<Series>,
    /// Range of the x axis.
    pub x_range: AxisRange,
    /// Range of the y axis.
    pub y_range: AxisRange,
    /// Legend placement.
    pub legend: LegendPos,
    /// Dashed reference lines, drawn under the series.
    pub ref_lines: Vec<RefLine>,
    /// Height of this panel relative to the others of its chart.
    pub height_weight: f64,
}

impl Plot {
    /// An empty panel with auto ranges (y from zero) and an automatic legend.
    pub fn new(x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        Plot {
            title: None,
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            x_range: AxisRange::Auto,
            y_range: AxisRange::AutoFromZero,
            legend: LegendPos::Auto,
            ref_lines: Vec::new(),
            height_weight: 1.0,
        }
    }

    /// A chart of this panel alone, `width_in × height_in` inches.
    pub fn into_chart(self, width_in: f64, height_in: f64) -> Chart {
        Chart {
            title: None,
            panels: vec![self],
            shared_x: false,
            width_in,
            height_in,
            font_pt: 8.0,
        }
    }

    fn data_extent(&self) -> Extent {
        let mut ext = Extent::default();
        for s in &self.series {
            if let Some([(x0, x1), (y0, y1)]) = s.extent() {
                ext.x(x0);
                ext.x(x1);
                ext.y(y0);
                ext.y(y1);
            }
        }
        ext
    }
}

/// A figure of panels stacked top to bottom, the unit that is rendered and written.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Bold title above everything.
    pub title: Option<String>,
    /// Panels, top to bottom.
    pub panels: Vec<Plot>,
    /// One x range for all panels, with tick labels and the x label only under the
    /// bottom one.
    pub shared_x: bool,
    /// Width (inches).
    pub width_in: f64,
    /// Height (inches).
    pub height_in: f64,
    /// Size of tick and legend text (points); labels are 1 pt and the title 2 pt larger.
    pub font_pt: f64,
}

/// Colours of the hypoxic fractions below 0.5, 2.5, 5 and 10 mmHg: dark (most severe)
/// to light, from the plasma colour map, all readable on white.
pub const HYPOXIA_COLOURS: [Colour; 4] =
    [[13, 8, 135], [126, 3, 168], [204, 71, 120], [240, 130, 30]];

/// The default series colour (a mid blue).
pub const BLUE: Colour = [31, 110, 180];

/// Colour of event markers and threshold lines.
pub const GREY: Colour = [110, 110, 110];

const GRID: Colour = [228, 228, 228];
const LEGEND_EDGE: Colour = [190, 190, 190];

impl Chart {
    /// The same chart with a title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Marks `times` (x units) on every panel with grey dashed vertical lines, with
    /// one legend entry `label` on the top panel (none if `label` is empty).
    pub fn with_events(mut self, times: &[f64], label: &str) -> Self {
        for (n, p) in self.panels.iter_mut().enumerate() {
            for &t in times {
                p.ref_lines.push(RefLine {
                    axis: Axis::X,
                    value: t,
                    colour: GREY,
                    label: if n == 0 {
                        label.to_string()
                    } else {
                        String::new()
                    },
                });
            }
        }
        self
    }

    /// The chart as an RGB image at `dpi`.
    pub fn png(&self, dpi: u32) -> Result<RgbImage> {
        self.check(dpi)?;
        let k = dpi as f64 / 72.0;
        let w = (self.width_in * dpi as f64).round() as u32;
        let h = (self.height_in * dpi as f64).round() as u32;
        let mut surface = PngSurface {
            canvas: Canvas::new(w, h),
        };
        self.draw(&mut surface, k, w as f64, h as f64)?;
        Ok(surface.canvas.into_image())
    }

    /// The chart as an SVG document (72 user units per inch).
    pub fn svg(&self) -> Result<String> {
        self.check(72)?;
        let (w, h) = (self.width_in * 72.0, self.height_in * 72.0);
        let mut surface = SvgSurface {
            svg: Svg::new(w, h),
        };
        self.draw(&mut surface, 1.0, w, h)?;
        Ok(surface.svg.finish(self.width_in, self.height_in))
    }

    /// Writes `STEM.png` (at `dpi`, recorded in its pHYs chunk) and `STEM.svg`, each
    /// atomically, and returns their paths.
    pub fn write(&self, stem: &Path, dpi: u32) -> Result<(PathBuf, PathBuf)> {
        let with_ext = |ext: &str| {
            let mut p = stem.as_os_str().to_owned();
            p.push(ext);
            PathBuf::from(p)
        };
        let (png_path, svg_path) = (with_ext(".png"), with_ext(".svg"));
        let img = self.png(dpi)?;
        let svg = self.svg()?;
        write_png(&png_path, &img, dpi)?;
        atomic::write(&svg_path, svg.as_bytes())?;
        Ok((png_path, svg_path))
    }

    fn check(&self, dpi: u32) -> Result<()> {
        if dpi == 0 || dpi > 2400 {
            return Err(Error::input("--dpi", format!("{dpi} is not in 1..=2400")));
        }
        let ok = |v: f64| v.is_finite() && v > 0.0 && v <= 100.0;
        if !ok(self.width_in) || !ok(self.height_in) || !ok(self.font_pt) {
            return Err(Error::input(
                "--size",
                format!(
                    "plot size {} × {} in with {} pt text must be positive",
                    self.width_in, self.height_in, self.font_pt
                ),
            ));
        }
        if self.panels.is_empty() {
            return Err(Error::input("plot", "a chart needs at least one panel"));
        }
        for p in &self.panels {
            for r in [p.x_range, p.y_range] {
                if let AxisRange::Fixed(lo, hi) = r {
                    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
                        return Err(Error::input(
                            "plot",
                            format!("axis limits must be finite with low < high, got [{lo}, {hi}]"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Lays the chart out at `k` pixels per point on a `w × h` surface and draws it.
    fn draw(&self, s: &mut dyn Surface, k: f64, w: f64, h: f64) -> Result<()> {
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
                (x, resolve_axis(p.y_range, ext.y))
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
struct AxisTicks {
    range: (f64, f64),
    ticks: Vec<f64>,
    labels: Vec<String>,
}

fn resolve_axis(range: AxisRange, data: Option<(f64, f64)>) -> AxisTicks {
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

/// A panel's plotting area in pixels and the data ranges it shows.
struct Area {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    xr: (f64, f64),
    yr: (f64, f64),
}

impl Area {
    fn px(&self, x: f64) -> f64 {
        self.x0 + (x - self.xr.0) / (self.xr.1 - self.xr.0) * (self.x1 - self.x0)
    }
    fn py(&self, y: f64) -> f64 {
        self.y1 - (y - self.yr.0) / (self.yr.1 - self.yr.0) * (self.y1 - self.y0)
    }
    fn map(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (self.px(x), self.py(y))
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_panel(
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

    let dash = Some([3.0 * k, 2.5 * k]);
    for r in &p.ref_lines {
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
fn tint(c: Colour, amount: f64) -> Colour {
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
fn clip_polyline(points: &[(f64, f64)], a: &Area) -> Vec<Vec<(f64, f64)>> {
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

/// One legend row: what its sample looks like and its text.
enum Sample {
    Line { colour: Colour, dashed: bool },
    Fill(Colour),
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
        out.push((
            Sample::Line {
                colour: r.colour,
                dashed: true,
            },
            r.label.clone(),
        ));
    }
    out
}

/// Size of a legend box and the height of its rows (pixels).
struct LegendBox {
    entries: Vec<(Sample, String)>,
    w: f64,
    h: f64,
    row: f64,
}

const LEGEND_SAMPLE_PT: f64 = 16.0;
const LEGEND_GAP_PT: f64 = 4.0;
const LEGEND_INNER_PT: f64 = 4.0;
/// Gap between the axes and a legend outside them.
const LEGEND_OUTSIDE_PT: f64 = 6.0;

fn legend_box(p: &Plot, k: f64, font: &TextStyle) -> Option<LegendBox> {
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

fn draw_legend(s: &mut dyn Surface, p: &Plot, a: &Area, k: f64, font: &TextStyle) {
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

/// What a chart is drawn on: a pixel canvas or an SVG document.
trait Surface {
    /// The drawn width of a hairline meant to be `px` wide: whole pixels on a canvas,
    /// so axes and grid lines stay crisp; exact in a vector document.
    fn thickness(&self, px: f64) -> f64;
    /// A filled axis-aligned rectangle.
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, c: Colour);
    /// A stroked polyline with round caps.
    fn polyline(
        &mut self,
        points: &[(f64, f64)],
        width: f64,
        c: Colour,
        dash: Option<[f64; 2]>,
        class: Option<&str>,
    );
    /// The area between two polylines with the same x values.
    fn band(&mut self, upper: &[(f64, f64)], lower: &[(f64, f64)], c: Colour);
    /// Text anchored at (x, y); `vertical` reads bottom to top.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        style: &TextStyle,
        h: HAlign,
        v: VAlign,
        vertical: bool,
    );
}

struct PngSurface {
    canvas: Canvas,
}

impl Surface for PngSurface {
    fn thickness(&self, px: f64) -> f64 {
        px.round().max(1.0)
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, c: Colour) {
        let (x0, y0) = (x.round() as i64, y.round() as i64);
        let (x1, y1) = ((x + w).round() as i64, (y + h).round() as i64);
        self.canvas.fill_rect(x0, y0, x1 - x0, y1 - y0, c);
    }

    fn polyline(
        &mut self,
        points: &[(f64, f64)],
        width: f64,
        c: Colour,
        dash: Option<[f64; 2]>,
        _class: Option<&str>,
    ) {
        let pts: Vec<(f32, f32)> = points.iter().map(|&(x, y)| (x as f32, y as f32)).collect();
        self.canvas.stroke(
            &pts,
            width as f32,
            c,
            dash.map(|[a, b]| [a as f32, b as f32]),
        );
    }

    fn band(&mut self, upper: &[(f64, f64)], lower: &[(f64, f64)], c: Colour) {
        if upper.len() < 2 || lower.len() != upper.len() {
            return;
        }
        let x_start = upper[0].0.round() as i64;
        let x_end = upper[upper.len() - 1].0.round() as i64;
        let mut seg = 0;
        for px in x_start..x_end {
            let xc = px as f64 + 0.5;
            while seg + 2 < upper.len() && upper[seg + 1].0 < xc {
                seg += 1;
            }
            let (xa, xb) = (upper[seg].0, upper[seg + 1].0);
            let t = if xb > xa {
                ((xc - xa) / (xb - xa)).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let top = upper[seg].1 + t * (upper[seg + 1].1 - upper[seg].1);
            let bot = lower[seg].1 + t * (lower[seg + 1].1 - lower[seg].1);
            let (top, bot) = (top.min(bot), top.max(bot));
            for py in top.floor() as i64..bot.ceil() as i64 {
                let cover = (bot.min(py as f64 + 1.0) - top.max(py as f64)).clamp(0.0, 1.0);
                self.canvas.blend(px, py, c, cover as f32);
            }
        }
    }

    fn text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        style: &TextStyle,
        h: HAlign,
        v: VAlign,
        vertical: bool,
    ) {
        if vertical {
            self.canvas
                .text_vertical(text, x as f32, y as f32, style, h, v);
        } else {
            self.canvas.text(text, x as f32, y as f32, style, h, v);
        }
    }
}

struct SvgSurface {
    svg: Svg,
}

impl Surface for SvgSurface {
    fn thickness(&self, px: f64) -> f64 {
        px
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, c: Colour) {
        self.svg.rect(x, y, w, h, c, None);
    }

    fn polyline(
        &mut self,
        points: &[(f64, f64)],
        width: f64,
        c: Colour,
        dash: Option<[f64; 2]>,
        class: Option<&str>,
    ) {
        self.svg.polyline(points, c, width, dash, class);
    }

    fn band(&mut self, upper: &[(f64, f64)], lower: &[(f64, f64)], c: Colour) {
        let pts: Vec<(f64, f64)> = upper.iter().chain(lower.iter().rev()).copied().collect();
        self.svg.polygon(&pts, c, Some("band"));
    }

    fn text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        style: &TextStyle,
        h: HAlign,
        v: VAlign,
        vertical: bool,
    ) {
        // SVG places text by its baseline; move the anchor there as the canvas does.
        let m = measure(text, style);
        let dy = match v {
            VAlign::Top => m.ascent,
            VAlign::Middle => m.cap_height / 2.0,
            VAlign::Baseline => 0.0,
            VAlign::Bottom => -m.descent,
        } as f64;
        let (bx, by) = if vertical { (x + dy, y) } else { (x, y + dy) };
        self.svg.text(
            text,
            bx,
            by,
            style.size_px as f64,
            style.bold,
            style.colour,
            h,
            vertical,
        );
    }
}

/// A protocol timeline: hypoxic fractions (% of tissue below 0.5, 2.5, 5 and 10 mmHg)
/// in the upper panel, mean tissue pO₂ in the lower one, sharing the time axis.
/// `hypoxic_fractions` are fractions in [0, 1], one series per threshold of
/// [`HYPOXIA_THRESHOLDS_MMHG`]; mark events (radiotherapy fractions) with
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
    pub bin_mmhg: f64,
    /// Percent of the values in each bin; sums to 100 when there are any values.
    pub percent: Vec<f64>,
    /// Percent of the values below each bin's upper edge (the hypoxic volume
    /// histogram), non-decreasing, ending at 100.
    pub below_percent: Vec<f64>,
    /// Number of finite values counted.
    pub count: usize,
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
    let h = histogram(values_mmhg, bin_mmhg, max_mmhg)?;
    let b = h.bin_mmhg;
    let top_edge = b * h.percent.len() as f64;
    let bin_label = super::ticks::tick_labels(&[b]).pop().unwrap_or_default();
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
            });
        }
    }
    Ok(Chart {
        title: None,
        panels: vec![top, bottom],
        shared_x: true,
        width_in: 4.5,
        height_in: 4.0,
        font_pt: 8.0,
    })
}

/// pO₂ binned by distance to the nearest vessel.
#[derive(Debug, Clone, PartialEq)]
pub struct DistanceProfile {
    /// Bin centres (µm) of the bins with data.
    pub distance_um: Vec<f64>,
    /// Mean pO₂ in each bin (mmHg).
    pub mean: Vec<f64>,
    /// 10th percentile (mmHg).
    pub p10: Vec<f64>,
    /// 90th percentile (mmHg).
    pub p90: Vec<f64>,
    /// Values in each bin.
    pub count: Vec<usize>,
    /// The 99th percentile of distance: the end of the profile (µm).
    pub max_um: f64,
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
    let pairs: Vec<(f32, f32)> = po2
        .iter()
        .zip(distance_um)
        .filter(|(p, d)| p.is_finite() && d.is_finite())
        .map(|(&p, &d)| (p, d))
        .collect();
    let mut dist: Vec<f32> = pairs.iter().map(|&(_, d)| d).collect();
    dist.sort_by(f32::total_cmp);
    let max_um = if dist.is_empty() {
        0.0
    } else {
        quantile(&dist, 0.99)
    };
    let bins = ((max_um / bin_um).floor() as usize + 1).min(1_000_000);
    let mut groups: Vec<Vec<f32>> = vec![Vec::new(); bins];
    for &(p, d) in &pairs {
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
/// [`super::distance::distance_to_vessels_um`].
pub fn po2_vs_distance(po2: &[f32], distance_um: &[f32], bin_um: f64) -> Result<Chart> {
    let d = distance_profile(po2, distance_um, bin_um)?;
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
    });
    Ok(p.into_chart(4.0, 3.0))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
