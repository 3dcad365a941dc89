//! Line, step, bar and band plots for people: one or more panels stacked top to
//! bottom, with nice ticks, axis labels, a legend and reference lines, rendered to a
//! PNG (through `Canvas`) and to SVG (through `Svg`) from one layout, so the two
//! look alike.
//!
//! Sizes of text, lines and gaps are in points (1/72 inch); the PNG turns them into
//! pixels through its DPI, the SVG is laid out at 72 user units per inch. Series are
//! clipped to their panel's axes, so fixed ranges narrower than the data are safe.
//!
//! Ready-made plots of a run: [`timeline_plot`], [`po2_histogram`] and
//! [`po2_vs_distance`].
//!
//! The parts: `layout` places panels, axes and ticks; `panel` draws one panel's grid,
//! series and frame; `legend` builds and places legends; `surface` is the PNG and SVG
//! backend behind one trait; `ready` holds the ready-made plots.

mod layout;
mod legend;
mod panel;
mod ready;
mod surface;
#[cfg(test)]
mod tests;

pub use ready::{
    distance_profile, histogram, po2_histogram, po2_vs_distance, protocol_timeline, timeline_plot,
    DistanceProfile, Po2Histogram, TimelineData,
};

use super::canvas::{Canvas, Colour};
use super::png::write_png;
use super::svg::Svg;
use crate::atomic;
use crate::{Error, Result};
use image::RgbImage;
use std::path::{Path, PathBuf};
use surface::{PngSurface, SvgSurface};

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
    pub(crate) label: String,
    /// (x, y) in data units, x increasing. Non-finite points break a line.
    pub points: Vec<(f64, f64)>,
    /// Line, staircase, bars or band.
    pub kind: SeriesKind,
    /// Colour of the line or fill.
    pub(crate) colour: Colour,
    /// Dashed line (lines and steps only).
    pub(crate) dashed: bool,
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
    pub(crate) fn bars(
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
    pub(crate) fn band(
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
pub(crate) enum Axis {
    /// A vertical line at an x value (an event time).
    X,
    /// A horizontal line at a y value (a threshold).
    Y,
}

/// A vertical or horizontal line across a panel, e.g. a radiotherapy fraction or a
/// hypoxia threshold.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RefLine {
    /// The axis whose `value` it marks.
    pub(crate) axis: Axis,
    /// Position in data units.
    pub(crate) value: f64,
    /// Line colour.
    pub(crate) colour: Colour,
    /// Legend text (one entry per distinct label); empty for none.
    pub(crate) label: String,
    /// Only the short solid mark hanging from the top edge, no dashed line across (for
    /// many events, such as 30 radiotherapy fractions).
    pub(crate) tick_only: bool,
}

/// A shaded interval of the x axis (an intervention window), drawn under everything,
/// its label in the top-left corner of the interval.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    /// Start and end in x units.
    pub(crate) x: (f64, f64),
    /// Shade colour (drawn as a light tint of it; the label in the colour itself).
    pub(crate) colour: Colour,
    /// Text in the interval; empty for none.
    pub(crate) label: String,
}

/// One panel: axes, series, reference lines and a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// Title above the panel.
    pub(crate) title: Option<String>,
    /// Label under the x axis (e.g. `time (h)`).
    pub(crate) x_label: String,
    /// Label left of the y axis (e.g. `pO₂ (mmHg)`).
    pub(crate) y_label: String,
    /// Drawn in order: bands, then bars, then lines and steps on top.
    pub series: Vec<Series>,
    /// Range of the x axis.
    pub x_range: AxisRange,
    /// Range of the y axis.
    pub y_range: AxisRange,
    /// Legend placement.
    pub legend: LegendPos,
    /// Dashed reference lines, drawn under the series.
    pub(crate) ref_lines: Vec<RefLine>,
    /// Height of this panel relative to the others of its chart.
    pub(crate) height_weight: f64,
    /// Shaded x intervals, under the grid's contents.
    pub(crate) spans: Vec<Span>,
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
            spans: Vec::new(),
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
pub(crate) const GREY: Colour = [110, 110, 110];

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
                    tick_only: false,
                });
            }
        }
        self
    }

    /// Marks `times` (x units) on every panel with a short mark of `colour` hanging
    /// from the top edge (no line across), with one legend entry `label` on the top
    /// panel.
    pub(crate) fn with_ticks(mut self, times: &[f64], label: &str, colour: Colour) -> Self {
        for (n, p) in self.panels.iter_mut().enumerate() {
            for &t in times {
                p.ref_lines.push(RefLine {
                    axis: Axis::X,
                    value: t,
                    colour,
                    label: if n == 0 {
                        label.to_string()
                    } else {
                        String::new()
                    },
                    tick_only: true,
                });
            }
        }
        self
    }

    /// Shades `[start, end)` (x units) on every panel in a tint of `colour`, labelled
    /// `label` on the top panel.
    pub(crate) fn with_span(mut self, start: f64, end: f64, label: &str, colour: Colour) -> Self {
        for (n, p) in self.panels.iter_mut().enumerate() {
            p.spans.push(Span {
                x: (start, end),
                colour,
                label: if n == 0 {
                    label.to_string()
                } else {
                    String::new()
                },
            });
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
}
