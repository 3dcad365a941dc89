//! Picking a 2D slice out of a 3D field: one plane at a chosen position, or a
//! projection (max, min, mean) through the whole block along the plane's normal.
//!
//! Orientation: the plane's first-named axis runs left to right and the second bottom
//! to top, as in a plot, so row 0 of a [`Slice2D`] is the bottom.

use crate::grid::Grid;

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
    pub(crate) fn size(self, g: &Grid) -> (usize, usize) {
        match self {
            Plane::Xy => (g.nx, g.ny),
            Plane::Xz => (g.nx, g.nz),
            Plane::Yz => (g.ny, g.nz),
        }
    }
}

use crate::{Error, Result};

/// Where along the plane's normal axis the slice lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SlicePos {
    /// The middle voxel layer (`n / 2`), as in the run's own centre slices.
    Centre,
    /// A voxel layer index, 0-based.
    Index(usize),
    /// A distance in µm from the block's origin; the layer whose voxels contain it.
    Um(f64),
}

impl SlicePos {
    /// `centre`, a voxel index (`12`) or µm (`320um`, `320µm`), as `render --at` and
    /// the Python API read it; the error says what to write instead.
    pub fn parse(text: &str) -> std::result::Result<SlicePos, String> {
        let t = text.trim();
        if t == "centre" || t == "center" {
            return Ok(SlicePos::Centre);
        }
        if let Some(um) = t.strip_suffix("um").or_else(|| t.strip_suffix("µm")) {
            return um
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(SlicePos::Um)
                .ok_or_else(|| format!("`{text}`: write µm as e.g. 320um"));
        }
        t.parse::<usize>()
            .map(SlicePos::Index)
            .map_err(|_| format!("`{text}`: use centre, a voxel index (12) or µm (320um)"))
    }
}

/// A reduction through the whole block along the plane's normal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// Maximum intensity projection.
    Max,
    /// Minimum intensity projection (shows the most hypoxic voxel along each line).
    Min,
    /// Mean along the line.
    Mean,
}

impl Projection {
    /// `max`, `min` or `mean`.
    pub fn name(self) -> &'static str {
        match self {
            Projection::Max => "max",
            Projection::Min => "min",
            Projection::Mean => "mean",
        }
    }
}

/// Which 2D picture to take of a 3D field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SliceSpec {
    /// The plane.
    pub plane: Plane,
    /// Where along the normal; ignored when `projection` is set.
    pub at: SlicePos,
    /// Reduce along the normal instead of taking one layer.
    pub projection: Option<Projection>,
}

impl SliceSpec {
    /// The centre slice in `plane`.
    pub fn centre(plane: Plane) -> Self {
        SliceSpec {
            plane,
            at: SlicePos::Centre,
            projection: None,
        }
    }
}

/// A 2D array of values on a square lattice, row 0 at the bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice2D {
    /// Columns (left to right).
    pub w: usize,
    /// Rows (bottom to top).
    pub h: usize,
    /// `w × h` values, row-major from the bottom row.
    pub(crate) values: Vec<f32>,
    /// Lattice spacing (µm).
    pub(crate) spacing_um: f64,
    /// What was taken, for captions: e.g. `xy, z = 45 µm` or `xy, max over z`.
    pub caption: String,
}

impl Slice2D {
    /// The value at column `u`, row `v` (from the bottom).
    #[inline]
    pub fn get(&self, u: usize, v: usize) -> f32 {
        self.values[v * self.w + u]
    }

    /// Width and height in µm.
    pub(crate) fn extent_um(&self) -> (f64, f64) {
        (
            self.w as f64 * self.spacing_um,
            self.h as f64 * self.spacing_um,
        )
    }
}

/// Names of the (horizontal, vertical, normal) axes of a plane.
pub(crate) fn axis_names(plane: Plane) -> (&'static str, &'static str, &'static str) {
    match plane {
        Plane::Xy => ("x", "y", "z"),
        Plane::Xz => ("x", "z", "y"),
        Plane::Yz => ("y", "z", "x"),
    }
}

/// Linear voxel index of column `u`, row `v`, layer `n` of `plane`.
fn voxel(g: &Grid, plane: Plane, u: usize, v: usize, n: usize) -> usize {
    match plane {
        Plane::Xy => g.index(u, v, n),
        Plane::Xz => g.index(u, n, v),
        Plane::Yz => g.index(n, u, v),
    }
}

fn normal_len(g: &Grid, plane: Plane) -> usize {
    match plane {
        Plane::Xy => g.nz,
        Plane::Xz => g.ny,
        Plane::Yz => g.nx,
    }
}

/// Resolves a [`SlicePos`] to a layer index, with errors that name the value and the
/// valid range.
pub(crate) fn layer_index(grid: &Grid, plane: Plane, at: SlicePos) -> Result<usize> {
    let n = normal_len(grid, plane);
    let axis = axis_names(plane).2;
    match at {
        SlicePos::Centre => Ok(n / 2),
        SlicePos::Index(k) if k < n => Ok(k),
        SlicePos::Index(k) => Err(Error::input(
            "--at",
            format!(
                "{} slice index {k} is outside the block: {axis} indices run 0 to {}",
                plane.name(),
                n - 1
            ),
        )),
        SlicePos::Um(um) => {
            let extent = n as f64 * grid.spacing_um;
            if !(0.0..=extent).contains(&um) {
                return Err(Error::input(
                    "--at",
                    format!(
                        "{} slice at {axis} = {um} µm is outside the block: {axis} runs 0 to {extent} µm",
                        plane.name()
                    ),
                ));
            }
            Ok(((um / grid.spacing_um) as usize).min(n - 1))
        }
    }
}

/// The 0/1 vessel mask of a vessel-surface field Sv (1 where Sv > 0), whose 0.5
/// contour figures draw as vessel outlines.
pub fn vessel_mask(sv: &[f32]) -> Vec<f32> {
    sv.iter().map(|&s| f32::from(u8::from(s > 0.0))).collect()
}

/// Takes the slice or projection `spec` of `field` (C order `[nz][ny][nx]`).
pub fn extract(field: &[f32], grid: &Grid, spec: &SliceSpec) -> Result<Slice2D> {
    if field.len() != grid.len() {
        return Err(Error::input(
            "field",
            format!(
                "has {} values but the grid {}×{}×{} has {}",
                field.len(),
                grid.nx,
                grid.ny,
                grid.nz,
                grid.len()
            ),
        ));
    }
    if grid.is_empty() {
        return Err(Error::input("field", "the grid has no voxels"));
    }
    let plane = spec.plane;
    let (w, h) = plane.size(grid);
    let n = normal_len(grid, plane);
    let (_, _, axis) = axis_names(plane);
    let mut values = Vec::with_capacity(w * h);
    let caption;
    match spec.projection {
        None => {
            let k = layer_index(grid, plane, spec.at)?;
            let centre_um = (k as f64 + 0.5) * grid.spacing_um;
            caption = format!("{}, {axis} = {} µm", plane.name(), fmt_um(centre_um));
            for v in 0..h {
                for u in 0..w {
                    values.push(field[voxel(grid, plane, u, v, k)]);
                }
            }
        }
        Some(p) => {
            caption = format!("{}, {} over {axis}", plane.name(), p.name());
            for v in 0..h {
                for u in 0..w {
                    let line = (0..n).map(|k| field[voxel(grid, plane, u, v, k)]);
                    values.push(match p {
                        Projection::Max => line.fold(f32::NEG_INFINITY, f32::max),
                        Projection::Min => line.fold(f32::INFINITY, f32::min),
                        // Accumulate in f64: long lines of f32 lose digits otherwise.
                        Projection::Mean => (line.map(f64::from).sum::<f64>() / n as f64) as f32,
                    });
                }
            }
        }
    }
    Ok(Slice2D {
        w,
        h,
        values,
        spacing_um: grid.spacing_um,
        caption,
    })
}

/// A length in µm without trailing zeros (`45`, `12.5`).
fn fmt_um(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_resolve_and_out_of_range_names_the_range() {
        let g = Grid::from_shape_zyx([8, 6, 4], 10.0);
        assert_eq!(layer_index(&g, Plane::Xy, SlicePos::Centre).unwrap(), 4);
        assert_eq!(layer_index(&g, Plane::Yz, SlicePos::Index(3)).unwrap(), 3);
        assert_eq!(layer_index(&g, Plane::Xz, SlicePos::Um(0.0)).unwrap(), 0);
        assert_eq!(layer_index(&g, Plane::Xz, SlicePos::Um(25.0)).unwrap(), 2);
        assert_eq!(layer_index(&g, Plane::Xz, SlicePos::Um(60.0)).unwrap(), 5);
        let e = layer_index(&g, Plane::Xy, SlicePos::Um(81.0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("81") && e.contains("0 to 80 µm"), "{e}");
        let e = layer_index(&g, Plane::Yz, SlicePos::Index(4))
            .unwrap_err()
            .to_string();
        assert!(e.contains("index 4") && e.contains("0 to 3"), "{e}");
    }
}
