//! Colour-mapped PNG slices through a field: xy, xz and yz planes through the centre.
//! The first-named axis runs left to right, the second bottom to top, as in a plot.

use crate::colormap::Colormap;
use crate::grid::Grid;
use crate::Result;
use std::path::{Path, PathBuf};

pub(crate) use crate::figures::Plane;

/// How slices look.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SliceStyle {
    /// Values mapped to the ends of the colour map (field units).
    pub(crate) limits: [f64; 2],
    /// Colour map.
    pub(crate) colormap: Colormap,
    /// Pixels per voxel edge.
    pub(crate) pixels_per_voxel: u32,
}

/// Writes `PREFIX_xy.png`, `PREFIX_xz.png`, `PREFIX_yz.png` into `dir`: figures of the
/// centre slices of field `name` (colorbar with its quantity and unit, scale bar, the
/// hypoxia isolines for pO₂, and vessel outlines where `vessels` (Sv) is given), panels
/// at `style.pixels_per_voxel`, 150 dpi.
pub(crate) fn write_centre_slices(
    dir: &Path,
    prefix: &str,
    name: &str,
    field: &[f32],
    grid: &Grid,
    style: &SliceStyle,
    vessels: Option<&[f32]>,
) -> Result<Vec<PathBuf>> {
    use crate::figures::{render_slice, write_png, FigureStyle, PanelSize, SliceSpec};
    let mut fig = FigureStyle::for_field(name, "", style.limits, style.colormap);
    fig.panel = PanelSize::PixelsPerVoxel(f64::from(style.pixels_per_voxel.max(1)));
    let mask = vessels.map(crate::figures::vessel_mask);
    let mut written = Vec::new();
    for plane in Plane::ALL {
        let figure = render_slice(
            field,
            grid,
            &SliceSpec::centre(plane),
            mask.as_deref(),
            &fig,
        )?;
        let path = dir.join(format!("{prefix}_{}.png", plane.name()));
        write_png(&path, &figure.image, fig.dpi)?;
        written.push(path);
    }
    Ok(written)
}
