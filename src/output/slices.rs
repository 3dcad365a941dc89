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

/// What a run's slices show beside the field.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SliceExtras<'a> {
    /// Text before the plane in each figure's title (`default: ROS`); none: no title.
    pub(crate) title: Option<&'a str>,
    /// Sv, for vessel outlines.
    pub(crate) vessels: Option<&'a [f32]>,
    /// The tissue mask (1 where statistics count the voxel): voxels outside it
    /// (vessel lumen, fixed regions, a necrotic core) are drawn grey, without isolines,
    /// and the colorbar says so.
    pub(crate) tissue: Option<&'a [f32]>,
}

/// The shortest long side of a run's slice panel (pixels at 150 dpi): small grids are
/// enlarged to it rather than drawn as thumbnails.
const MIN_PANEL_PX: usize = 360;

/// Writes `PREFIX_xy.png`, `PREFIX_xz.png`, `PREFIX_yz.png` into `dir`: figures of the
/// centre slices of field `name` (colorbar with its quantity and unit, scale bar, the
/// hypoxia isolines for pO₂, vessel outlines, the mask and title of `extras`), panels
/// at `style.pixels_per_voxel` (more for a small grid, so that a panel's long side is
/// at least [`MIN_PANEL_PX`]), 150 dpi.
pub(crate) fn write_centre_slices(
    dir: &Path,
    prefix: &str,
    name: &str,
    field: &[f32],
    grid: &Grid,
    style: &SliceStyle,
    extras: SliceExtras<'_>,
) -> Result<Vec<PathBuf>> {
    use crate::figures::{render_slice, write_png, FigureStyle, PanelSize, SliceSpec};
    let mut fig = FigureStyle::for_field(name, "", style.limits, style.colormap);
    let longest = grid.nx.max(grid.ny).max(grid.nz).max(1);
    let ppv = (style.pixels_per_voxel.max(1) as usize).max(MIN_PANEL_PX.div_ceil(longest));
    fig.panel = PanelSize::PixelsPerVoxel(ppv as f64);
    let mask = extras.vessels.map(crate::figures::vessel_mask);
    let masked: Option<Vec<f32>> = extras.tissue.map(|t| {
        field
            .iter()
            .zip(t)
            .map(|(&v, &k)| if k > 0.0 { v } else { f32::NAN })
            .collect()
    });
    if masked
        .as_ref()
        .is_some_and(|m| m.iter().any(|v| v.is_nan()))
    {
        // Grey is explained on the colorbar.
        fig.field_label = format!("{}; grey: no tissue", fig.colorbar_label());
        fig.unit.clear();
    }
    let shown = masked.as_deref().unwrap_or(field);
    let mut written = Vec::new();
    for plane in Plane::ALL {
        fig.title = extras
            .title
            .map(|t| format!("{t}, {} centre slice", plane.name()));
        let figure = render_slice(
            shown,
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
