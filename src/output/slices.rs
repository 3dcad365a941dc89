//! Colour-mapped PNG slices through a field: xy, xz and yz planes through the centre.
//! The first-named axis runs left to right, the second bottom to top, as in a plot.

use super::colormap::Colormap;
use crate::grid::Grid;
use crate::Result;
use std::path::{Path, PathBuf};

/// A plane through the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    /// Constant z; x right, y up.
    Xy,
    /// Constant y; x right, z up.
    Xz,
    /// Constant x; y right, z up.
    Yz,
}

impl Plane {
    /// All three, in file-name order.
    pub const ALL: [Plane; 3] = [Plane::Xy, Plane::Xz, Plane::Yz];

    /// `xy`, `xz` or `yz`.
    pub fn name(self) -> &'static str {
        match self {
            Plane::Xy => "xy",
            Plane::Xz => "xz",
            Plane::Yz => "yz",
        }
    }

    /// (width, height) in voxels.
    pub fn size(self, g: &Grid) -> (usize, usize) {
        match self {
            Plane::Xy => (g.nx, g.ny),
            Plane::Xz => (g.nx, g.nz),
            Plane::Yz => (g.ny, g.nz),
        }
    }

    /// Voxel index at column `u`, row-from-bottom `v` of the centre slice.
    fn index(self, g: &Grid, u: usize, v: usize) -> usize {
        match self {
            Plane::Xy => g.index(u, v, g.nz / 2),
            Plane::Xz => g.index(u, g.ny / 2, v),
            Plane::Yz => g.index(g.nx / 2, u, v),
        }
    }
}

/// How slices look.
#[derive(Debug, Clone, Copy)]
pub struct SliceStyle {
    /// Values mapped to the ends of the colour map (field units).
    pub limits: [f64; 2],
    /// Colour map.
    pub colormap: Colormap,
    /// Pixels per voxel edge.
    pub pixels_per_voxel: u32,
}

/// Renders the centre slice of `field` in `plane` as an RGB image.
pub fn render(field: &[f32], grid: &Grid, plane: Plane, style: &SliceStyle) -> image::RgbImage {
    let (w, h) = plane.size(grid);
    let s = style.pixels_per_voxel.max(1);
    let [lo, hi] = style.limits;
    let mut img = image::RgbImage::new(w as u32 * s, h as u32 * s);
    for (px, py, pixel) in img.enumerate_pixels_mut() {
        let u = (px / s) as usize;
        let v = h - 1 - (py / s) as usize; // row 0 of the image is the top
        let value = field[plane.index(grid, u, v)] as f64;
        *pixel = image::Rgb(style.colormap.rgb(((value - lo) / (hi - lo)) as f32));
    }
    img
}

/// Writes `PREFIX_xy.png`, `PREFIX_xz.png`, `PREFIX_yz.png` into `dir`: figures of the
/// centre slices of field `name` (colorbar with its quantity and unit, scale bar, the
/// hypoxia isolines for pO₂, and vessel outlines where `vessels` (Sv) is given), panels
/// at `style.pixels_per_voxel`, 150 dpi.
pub fn write_centre_slices(
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
