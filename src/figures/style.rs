//! How a figure looks: colour map and limits, resolution, panel size, isolines and
//! vessel outlines, titles and labels. Lengths are in points (1/72 inch) and become
//! pixels through the DPI, so a figure keeps its proportions at any resolution.

use super::canvas::{Colour, BLACK, WHITE};
use crate::colormap::Colormap;
use crate::{Error, Result};

/// How large a panel is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PanelSize {
    /// Pixels per voxel edge (may be fractional).
    PixelsPerVoxel(f64),
    /// Width of the (widest) panel in inches at the figure's DPI.
    WidthInches(f64),
}

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineStyle {
    /// Line colour.
    pub(crate) colour: Colour,
    /// Line width (points).
    pub(crate) width_pt: f64,
    /// Dash pattern `[on, off]` (points); `None` for a solid line.
    pub(crate) dash: Option<[f64; 2]>,
}

impl LineStyle {
    /// A solid line.
    pub fn solid(colour: Colour, width_pt: f64) -> Self {
        LineStyle {
            colour,
            width_pt,
            dash: None,
        }
    }

    /// A dashed line (dashes of 3 pt with 2 pt gaps).
    pub fn dashed(colour: Colour, width_pt: f64) -> Self {
        LineStyle {
            colour,
            width_pt,
            dash: Some([3.0, 2.0]),
        }
    }
}

/// Everything about a figure's look that is not data.
#[derive(Debug, Clone)]
pub struct FigureStyle {
    /// Colour map for the field.
    pub colormap: Colormap,
    /// Field values at the bottom and top of the colour map (field units); values
    /// outside are clamped, NaN is drawn light grey.
    pub limits: [f64; 2],
    /// Resolution (dots per inch), recorded in the PNG and used to size text and lines.
    pub dpi: u32,
    /// Panel size.
    pub panel: PanelSize,
    /// Isolines to draw: (level in field units, style). They are also marked on the
    /// colorbar, which serves as their legend.
    pub contours: Vec<(f64, LineStyle)>,
    /// How vessel outlines (the 0.5 contour of a panel's vessel mask) are drawn.
    pub vessel_outline: LineStyle,
    /// Title above the figure (bold).
    pub title: Option<String>,
    /// Quantity on the colorbar, e.g. `pO₂`.
    pub field_label: String,
    /// Unit on the colorbar, e.g. `mmHg`; empty for none.
    pub unit: String,
    /// Size of tick labels (points); titles and the colorbar label are 1–2 pt larger.
    pub font_pt: f64,
    /// Draw a scale bar on the (first) panel.
    pub scale_bar: bool,
}

impl FigureStyle {
    /// pO₂ in mmHg on viridis between `limits`, with the usual hypoxia isolines:
    /// 10 mmHg dashed and 2.5 mmHg solid, in white (they lie in the dark, low end of
    /// viridis), and vessel outlines in black (vessels sit at the bright, high end).
    pub fn po2(limits: [f64; 2]) -> Self {
        FigureStyle {
            colormap: Colormap::VIRIDIS,
            limits,
            dpi: 150,
            panel: PanelSize::WidthInches(3.0),
            contours: vec![
                (10.0, LineStyle::dashed(WHITE, 1.0)),
                (2.5, LineStyle::solid(WHITE, 1.0)),
            ],
            vessel_outline: LineStyle::solid(BLACK, 1.0),
            title: None,
            field_label: "pO\u{2082}".into(),
            unit: "mmHg".into(),
            font_pt: 8.0,
            scale_bar: true,
        }
    }

    /// The style for oxyfield's field `name` (the output file stem: `o2`, `ros`, `gsh`,
    /// `viable`, …) between `limits` on `colormap`: its quantity and unit on the
    /// colorbar, and the hypoxia isolines for pO₂ only. `unit` is used for fields this
    /// function does not know (e.g. from a sidecar).
    pub fn for_field(name: &str, unit: &str, limits: [f64; 2], colormap: Colormap) -> Self {
        let (label, unit) = match name {
            "o2" => ("pO\u{2082}", "mmHg"),
            "ros" => ("ROS", "\u{b5}M"),
            "gsh" => ("GSH", "mM"),
            "viable" => ("viable fraction", ""),
            "dead" => ("dead fraction", ""),
            "doomed" => ("doomed fraction", ""),
            "hif" => ("HIF-1\u{3b1} activity", ""),
            "vessels_sv" => ("vessel surface Sv", "1/\u{b5}m"),
            "vessels_pb" => ("blood pO\u{2082} at walls (grey: no wall)", "mmHg"),
            _ => (name, unit),
        };
        let mut style = Self::po2(limits);
        style.colormap = colormap;
        style.field_label = label.to_string();
        style.unit = match unit {
            "uM" => "\u{b5}M".to_string(),
            "1/um" => "1/\u{b5}m".to_string(),
            "1" => String::new(),
            u => u.to_string(),
        };
        if name != "o2" {
            style.contours.clear();
        }
        style
    }

    /// Default colour limits of field `name`: the run's settings for pO₂, ROS and GSH,
    /// [0, 1] for fractions, otherwise None (the caller takes the data's range).
    pub fn default_limits(name: &str, out: &crate::config::schema::OutputSpec) -> Option<[f64; 2]> {
        match name {
            "o2" | "vessels_pb" => Some(out.png_limits_mmhg),
            "ros" => Some(out.png_limits_ros_um),
            "gsh" => Some(out.png_limits_gsh_mm),
            "viable" | "dead" | "doomed" | "hif" => Some([0.0, 1.0]),
            _ => None,
        }
    }

    /// The colorbar label: `pO₂ (mmHg)`, or just the quantity without a unit.
    pub(crate) fn colorbar_label(&self) -> String {
        if self.unit.is_empty() {
            self.field_label.clone()
        } else {
            format!("{} ({})", self.field_label, self.unit)
        }
    }

    /// Points to pixels at this style's DPI.
    pub(super) fn px(&self, pt: f64) -> f64 {
        pt * self.dpi as f64 / 72.0
    }

    /// Rejects limits, DPI and sizes that cannot make a figure.
    pub(super) fn check(&self) -> Result<()> {
        let [lo, hi] = self.limits;
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return Err(Error::input(
                "--limits",
                format!("colour limits must be finite with low < high, got [{lo}, {hi}]"),
            ));
        }
        if self.dpi == 0 || self.dpi > 2400 {
            return Err(Error::input(
                "--dpi",
                format!("{} is not in 1..=2400", self.dpi),
            ));
        }
        let size_ok = match self.panel {
            PanelSize::PixelsPerVoxel(p) => p.is_finite() && p > 0.0,
            PanelSize::WidthInches(w) => w.is_finite() && w > 0.0,
        };
        if !size_ok {
            return Err(Error::input(
                "--panel-size",
                format!("{:?} must be positive", self.panel),
            ));
        }
        Ok(())
    }
}

impl Default for FigureStyle {
    /// [`FigureStyle::po2`] with limits 0–100 mmHg.
    fn default() -> Self {
        Self::po2([0.0, 100.0])
    }
}
