//! NumPy `.npy` arrays of float32 in C order, shape [nz, ny, nx] (format versions 1–3),
//! and the JSON sidecar that gives their spacing and units.

use super::atomic;
use crate::grid::Grid;
use crate::{Error, Result};
use std::path::Path;

/// Encodes a little-endian float32 array of `shape` as `.npy` (format 1.0).
pub fn encode_f32(data: &[f32], shape: &[usize]) -> Vec<u8> {
    let dims = shape.iter().map(|d| format!("{d}, ")).collect::<String>();
    let dims = if shape.len() == 1 {
        dims
    } else {
        dims.trim_end_matches(", ").to_string()
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}");
    // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat(total.div_ceil(64) * 64 - total));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len() * 4);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Writes a field of `grid` as `.npy` with its sidecar `NAME.json` beside it.
pub fn write_field(path: &Path, data: &[f32], grid: &Grid, units: &str, what: &str) -> Result<()> {
    atomic::write(path, &encode_f32(data, &grid.shape_zyx()))?;
    let sidecar = serde_json::json!({
        "description": what,
        "shape": grid.shape_zyx(),
        "axis_order": "zyx",
        "dtype": "float32",
        "spacing_um": [grid.spacing_um, grid.spacing_um, grid.spacing_um],
        "origin_um": [0.0, 0.0, 0.0],
        "units": units,
        "voxel_centres": "origin_um + (index + 0.5) * spacing_um",
    });
    let text = serde_json::to_string_pretty(&sidecar).expect("JSON of plain values");
    atomic::write(&path.with_extension("json"), text.as_bytes())
}

/// A parsed `.npy` header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// dtype string, e.g. `<f4`.
    pub descr: String,
    /// Fortran (column-major) order.
    pub fortran_order: bool,
    /// Array shape.
    pub shape: Vec<usize>,
    /// Byte offset of the data.
    pub data_offset: usize,
}

fn header_value<'a>(dict: &'a str, key: &str) -> Option<&'a str> {
    let pos = dict.find(&format!("'{key}'"))?;
    let rest = dict[pos + key.len() + 2..].trim_start().strip_prefix(':')?;
    Some(rest.trim_start())
}

/// Parses the header of `.npy` bytes; `file` names the file in errors.
pub fn parse_header(bytes: &[u8], file: &Path) -> Result<Header> {
    let bad = |m: String| Error::input(file, m);
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad(
            "not a .npy file (no \\x93NUMPY magic); save arrays with numpy.save".into(),
        ));
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(bad(format!("unsupported .npy format version {v}"))),
    };
    let dict = bytes
        .get(start..start + len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("truncated or non-text .npy header".into()))?;
    let descr = header_value(dict, "descr")
        .and_then(|v| v.strip_prefix('\'')?.split('\'').next())
        .ok_or_else(|| bad("the .npy header has no 'descr'".into()))?
        .to_string();
    let fortran_order = header_value(dict, "fortran_order")
        .map(|v| v.starts_with("True"))
        .ok_or_else(|| bad("the .npy header has no 'fortran_order'".into()))?;
    let shape_txt = header_value(dict, "shape")
        .and_then(|v| v.strip_prefix('(')?.split(')').next())
        .ok_or_else(|| bad("the .npy header has no 'shape'".into()))?;
    let shape = shape_txt
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| {
            bad(format!(
                "the .npy shape ({shape_txt}) is not a list of sizes"
            ))
        })?;
    Ok(Header {
        descr,
        fortran_order,
        shape,
        data_offset: start + len,
    })
}

/// Reads a float32 field that must have the grid's shape [nz, ny, nx].
pub fn read_field(path: &Path, grid: &Grid) -> Result<Vec<f32>> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::input(
            path,
            format!("cannot read this array ({e}); paths in a scenario are relative to the scenario file"),
        )
    })?;
    let h = parse_header(&bytes, path)?;
    let bad = |m: String| Error::input(path, m);
    if h.descr != "<f4" {
        return Err(bad(format!(
            "dtype is '{}', expected little-endian float32 ('<f4'); convert with \
             numpy.save(path, array.astype(numpy.float32))",
            h.descr
        )));
    }
    if h.fortran_order {
        return Err(bad("array is in Fortran order; save it in C order with \
             numpy.save(path, numpy.ascontiguousarray(array))"
            .into()));
    }
    let want = grid.shape_zyx();
    if h.shape != want {
        return Err(bad(format!(
            "shape is {:?}, the scenario's grid.shape_zyx is {:?} (arrays are [nz, ny, nx])",
            h.shape, want
        )));
    }
    let n = grid.len();
    let data = &bytes[h.data_offset..];
    if data.len() != n * 4 {
        return Err(bad(format!(
            "holds {} data bytes, a {:?} float32 array needs {} (truncated file?)",
            data.len(),
            want,
            n * 4
        )));
    }
    let values: Vec<f32> = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        let (x, y, z) = grid.ijk(i);
        return Err(bad(format!("value at index [{z}, {y}, {x}] is not finite")));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_parse_round_trips() {
        let data: Vec<f32> = (0..24).map(|i| i as f32 * 0.5).collect();
        let bytes = encode_f32(&data, &[2, 3, 4]);
        assert_eq!((bytes.len() - data.len() * 4) % 64, 0);
        let h = parse_header(&bytes, Path::new("x.npy")).unwrap();
        assert_eq!(h.descr, "<f4");
        assert!(!h.fortran_order);
        assert_eq!(h.shape, vec![2, 3, 4]);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        std::fs::write(&p, &bytes).unwrap();
        let g = Grid::from_shape_zyx([2, 3, 4], 1.0);
        assert_eq!(read_field(&p, &g).unwrap(), data);
        let wrong = Grid::from_shape_zyx([4, 3, 2], 1.0);
        let e = read_field(&p, &wrong).unwrap_err().to_string();
        assert!(e.contains("shape is [2, 3, 4]"), "{e}");
    }
}
