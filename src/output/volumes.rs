//! Volume files for viewers, beside the `.npy` arrays: one `fields.vti` holding every
//! field as a named array (ParaView), and with `[output] tiff = true` one ImageJ
//! float32 stack `NAME.tif` per field (Fiji, napari through tifffile).

use super::{tiff, vti};
use crate::config::schema::OutputSpec;
use crate::grid::Grid;
use crate::Result;
use std::path::Path;

/// Writes the volume files `out` asks for into `dir`; returns their names.
pub(crate) fn write(
    dir: &Path,
    grid: &Grid,
    out: &OutputSpec,
    fields: &[(&str, &[f32], &str)],
) -> Result<Vec<String>> {
    let mut files = Vec::new();
    if out.vti {
        vti::write_vti(&dir.join("fields.vti"), grid, fields)?;
        files.push("fields.vti".to_string());
    }
    if out.tiff {
        for (name, data, units) in fields {
            let file = format!("{name}.tif");
            tiff::write_tiff(&dir.join(&file), grid, data, units)?;
            files.push(file);
        }
    }
    Ok(files)
}
