//! Figures of a field: one slice or projection rendered as `oxyfield render` renders it
//! (colour map, colour bar, scale bar, pO2 isolines, vessel outlines), returned as PNG
//! bytes.

use crate::errors::{bad_argument, to_py};
use numpy::PyReadonlyArray3;
use oxyfield::colormap::Colormap;
use oxyfield::figures::{
    encode_png, render_panel, vessel_mask, FigureStyle, PanelSize, Plane, Projection, SlicePos,
    SliceSpec,
};
use oxyfield::grid::Grid;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Renders one panel of `data` (float32, z y x) as PNG bytes. `name` and `units` pick
/// the field's style and label (`"o2"`: pO2 isolines and limits 0–100 mmHg);
/// `plane` "xy", "xz" or "yz"; `at` "centre", a voxel index ("12") or µm ("320um");
/// `projection` None, "max", "min" or "mean"; `colormap` "viridis", "magma",
/// "inferno", "cividis" or "rdbu_r"; `limits` the colour range (default: the field's
/// usual one, else the data's range); `vessels_sv` a wall-area field whose vessels are
/// outlined on slices.
#[pyfunction]
#[pyo3(signature = (data, spacing_um, name, units, plane = "xy", at = "centre",
    projection = None, colormap = "viridis", limits = None, dpi = 150, width_in = 3.0,
    title = None, vessels_sv = None))]
#[allow(clippy::too_many_arguments)]
pub fn render_png<'py>(
    py: Python<'py>,
    data: PyReadonlyArray3<'py, f32>,
    spacing_um: f64,
    name: &str,
    units: &str,
    plane: &str,
    at: &str,
    projection: Option<&str>,
    colormap: &str,
    limits: Option<(f64, f64)>,
    dpi: u32,
    width_in: f64,
    title: Option<String>,
    vessels_sv: Option<PyReadonlyArray3<'py, f32>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let shape = data.as_array().dim();
    let shape = [shape.0, shape.1, shape.2];
    let grid = Grid::from_shape_zyx(shape, spacing_um);
    if !(spacing_um.is_finite() && spacing_um > 0.0) {
        return Err(bad_argument(
            "spacing_um",
            format!("is {spacing_um}; must be > 0"),
        ));
    }
    let values = data.as_array().iter().copied().collect::<Vec<f32>>();
    let mask = match &vessels_sv {
        Some(sv) if sv.as_array().shape() == shape => Some(vessel_mask(
            &sv.as_array().iter().copied().collect::<Vec<f32>>(),
        )),
        Some(_) => {
            return Err(bad_argument(
                "vessels_sv",
                "has another shape than the field; give the Sv field of the same run",
            ))
        }
        None => None,
    };
    let spec = SliceSpec {
        plane: parse_plane(plane)?,
        at: parse_at(at)?,
        projection: projection.map(parse_projection).transpose()?,
    };
    let colormap = parse_colormap(colormap)?;
    if !(0.5..=100.0).contains(&width_in) {
        return Err(bad_argument(
            "width_in",
            format!("is {width_in}; give a panel width between 0.5 and 100 inches"),
        ));
    }
    if !(10..=2400).contains(&dpi) {
        return Err(bad_argument(
            "dpi",
            format!("is {dpi}; give 10 to 2400 dots per inch (150 screen, 300 print)"),
        ));
    }
    let limits = match limits {
        Some((lo, hi)) if lo < hi => [lo, hi],
        Some((lo, hi)) => {
            return Err(bad_argument(
                "limits",
                format!("({lo}, {hi}): the first must be below the second"),
            ))
        }
        None => default_limits(name, &values, colormap),
    };
    let png = py
        .detach(|| {
            // Outlines on slices only: a projection through a whole network is a thicket.
            let mask = mask.as_deref().filter(|_| spec.projection.is_none());
            let panel = oxyfield::figures::Panel::from_field(&values, &grid, &spec, mask)?;
            let mut style = FigureStyle::for_field(name, units, limits, colormap);
            style.dpi = dpi;
            style.panel = PanelSize::WidthInches(width_in);
            style.title = title;
            let figure = render_panel(&panel, &style)?;
            encode_png(&figure.image, dpi)
        })
        .map_err(to_py)?;
    Ok(PyBytes::new(py, &png))
}

/// The field's usual limits (0–100 mmHg for pO2), else the data's finite range (centred
/// at 0 for a diverging map), as `oxyfield render` chooses them.
fn default_limits(name: &str, values: &[f32], colormap: Colormap) -> [f64; 2] {
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(f64::from(v)), hi.max(f64::from(v)))
        });
    let range = if lo < hi {
        [lo, hi]
    } else if lo.is_finite() {
        [lo.min(0.0), lo.max(0.0) + 1.0]
    } else {
        [0.0, 1.0]
    };
    if colormap.diverging {
        let m = range[0].abs().max(range[1].abs()).max(f64::MIN_POSITIVE);
        return [-m, m];
    }
    let output = oxyfield::config::schema::OutputSpec::default();
    FigureStyle::default_limits(name, &output).unwrap_or(range)
}

fn parse_plane(text: &str) -> PyResult<Plane> {
    Plane::ALL
        .into_iter()
        .find(|p| p.name() == text)
        .ok_or_else(|| {
            bad_argument(
                "plane",
                format!("is \"{text}\"; use \"xy\", \"xz\" or \"yz\""),
            )
        })
}

fn parse_projection(text: &str) -> PyResult<Projection> {
    [Projection::Max, Projection::Min, Projection::Mean]
        .into_iter()
        .find(|p| p.name() == text)
        .ok_or_else(|| {
            bad_argument(
                "projection",
                format!("is \"{text}\"; use \"max\", \"min\", \"mean\" or None"),
            )
        })
}

fn parse_colormap(text: &str) -> PyResult<Colormap> {
    Ok(match text {
        "viridis" => Colormap::VIRIDIS,
        "magma" => Colormap::MAGMA,
        "inferno" => Colormap::INFERNO,
        "cividis" => Colormap::CIVIDIS,
        "rdbu_r" | "RdBu_r" => Colormap::RDBU_R,
        other => {
            return Err(bad_argument(
                "colormap",
                format!(
                    "is \"{other}\"; use \"viridis\", \"magma\", \"inferno\", \"cividis\" or \"rdbu_r\""
                ),
            ))
        }
    })
}

/// "centre", a voxel index or µm, as `render --at` reads it.
fn parse_at(text: &str) -> PyResult<SlicePos> {
    SlicePos::parse(text).map_err(|e| bad_argument("at", e))
}
