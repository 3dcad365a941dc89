//! NumPy `.npy` arrays of float32 in C order, shape [nz, ny, nx] (format versions 1–3),
//! and the JSON sidecar that gives their spacing and units.

use crate::atomic;
use crate::grid::Grid;
use crate::{Error, Result};
use serde::Serialize;
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

/// The JSON sidecar `NAME.json` of an array `NAME.npy` (fields in the file's
/// alphabetical order).
#[derive(Debug, Serialize)]
struct Sidecar<'a> {
    axis_order: &'static str,
    description: &'a str,
    dtype: &'static str,
    origin_um: [f64; 3],
    shape: [usize; 3],
    spacing_um: [f64; 3],
    units: &'a str,
    voxel_centres: &'static str,
}

/// Writes a field of `grid` as `.npy` with its sidecar `NAME.json` beside it.
pub fn write_field(path: &Path, data: &[f32], grid: &Grid, units: &str, what: &str) -> Result<()> {
    atomic::write(path, &encode_f32(data, &grid.shape_zyx()))?;
    let sidecar = Sidecar {
        axis_order: "zyx",
        description: what,
        dtype: "float32",
        origin_um: [0.0, 0.0, 0.0],
        shape: grid.shape_zyx(),
        spacing_um: [grid.spacing_um; 3],
        units,
        voxel_centres: "origin_um + (index + 0.5) * spacing_um",
    };
    // Through a JSON value, whose maps keep keys sorted, as `output::json::pretty` does
    // (this module sits below `output`).
    let value = serde_json::to_value(&sidecar).expect("JSON of plain values");
    let text = serde_json::to_string_pretty(&value).expect("JSON of plain values");
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
    const RESAVE: &str = "write it again with numpy.save(path, array)";
    let bad = |m: String| Error::input(file, m);
    if bytes.is_empty() {
        return Err(bad(format!(
            "the file is empty (0 bytes), not a .npy array; {RESAVE}"
        )));
    }
    if !bytes.starts_with(b"\x93NUMPY") {
        return Err(bad(format!(
            "not a .npy file (it does not start with the \\x93NUMPY magic; CSV, TIFF or \
             .npz files are not read); {RESAVE}"
        )));
    }
    let (len, start): (usize, usize) = match bytes.get(6) {
        Some(1) if bytes.len() >= 10 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        Some(2 | 3) if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        Some(1..=3) | None => {
            return Err(bad(format!(
                "the file ends inside the .npy preamble ({} bytes): it is truncated; {RESAVE}",
                bytes.len()
            )))
        }
        Some(v) => {
            return Err(bad(format!(
                "byte 6 gives .npy format version {v}; this reads versions 1–3: {RESAVE}"
            )))
        }
    };
    let end = start
        .checked_add(len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| {
            bad(format!(
                "the header announces {len} bytes at byte {start}, but the file has only {} \
             bytes: it is truncated; {RESAVE}",
                bytes.len()
            ))
        })?;
    let dict = std::str::from_utf8(&bytes[start..end]).map_err(|_| {
        bad(format!(
            "the .npy header (bytes {start}–{end}) is not text; {RESAVE}"
        ))
    })?;
    let shown: String = match dict.trim() {
        d if d.chars().count() > 200 => format!("{}…", d.chars().take(200).collect::<String>()),
        d => d.to_string(),
    };
    let missing = |key: &str| {
        bad(format!(
            "the .npy header {shown} has no '{key}' entry; {RESAVE}"
        ))
    };
    let descr = header_value(dict, "descr")
        .and_then(|v| v.strip_prefix('\'')?.split('\'').next())
        .ok_or_else(|| missing("descr"))?
        .to_string();
    let fortran_order = header_value(dict, "fortran_order")
        .map(|v| v.starts_with("True"))
        .ok_or_else(|| missing("fortran_order"))?;
    let shape_txt = header_value(dict, "shape")
        .and_then(|v| v.strip_prefix('(')?.split(')').next())
        .ok_or_else(|| missing("shape"))?;
    let shape = shape_txt
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| {
            bad(format!(
                "the .npy header's 'shape' ({shape_txt}) is not a list of sizes; {RESAVE}"
            ))
        })?;
    Ok(Header {
        descr,
        fortran_order,
        shape,
        data_offset: end,
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
        let what = match h.descr.trim_start_matches(['<', '>', '|', '=']) {
            "f8" => " (float64)",
            "f2" => " (float16)",
            "f4" if h.descr.starts_with('>') => " (big-endian float32)",
            "i1" | "i2" | "i4" | "i8" => " (integers)",
            "u1" | "u2" | "u4" | "u8" => " (unsigned integers)",
            "b1" => " (booleans)",
            _ => "",
        };
        return Err(bad(format!(
            "dtype is '{}'{what}, expected little-endian float32 ('<f4'); convert with \
             numpy.save(path, array.astype('<f4'))",
            h.descr
        )));
    }
    if h.fortran_order {
        return Err(bad(
            "array is in Fortran order (fortran_order: True); save it in C order with \
             numpy.save(path, numpy.ascontiguousarray(array))"
                .into(),
        ));
    }
    let want = grid.shape_zyx();
    if h.shape != want {
        let count: Option<usize> = h.shape.iter().try_fold(1usize, |a, &n| a.checked_mul(n));
        let permuted = {
            let (mut a, mut b) = (h.shape.clone(), want.to_vec());
            a.sort_unstable();
            b.sort_unstable();
            a == b
        };
        let fix = if h.shape.len() != 3 && count == Some(grid.len()) {
            format!(
                "it has {} axes, the grid 3 ([nz, ny, nx]): reshape it, e.g. \
                 array.reshape({}, {}, {})",
                h.shape.len(),
                want[0],
                want[1],
                want[2]
            )
        } else if permuted {
            "the sizes are the grid's in another order: arrays are [nz, ny, nx]; \
             transpose it, e.g. array.transpose() for [nx, ny, nz]"
                .to_string()
        } else {
            "arrays are [nz, ny, nx]; resample the array to the grid, or set the \
             scenario's grid.shape_zyx to match it"
                .to_string()
        };
        return Err(bad(format!(
            "shape {:?} does not match the grid {:?} (grid.shape_zyx); {fix}",
            h.shape, want
        )));
    }
    let n = grid.len();
    let data = &bytes[h.data_offset..];
    if data.len() != n * 4 {
        let why = if data.len() < n * 4 {
            "the file is truncated"
        } else {
            "the file holds more than the header describes"
        };
        return Err(bad(format!(
            "holds {} data bytes after the header, but a {:?} float32 array needs {}: {why}; \
             write it again with numpy.save(path, array)",
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
        return Err(bad(format!(
            "value at index [{z}, {y}, {x}] (z, y, x) is {}; every value must be finite: \
             replace NaN and infinities, e.g. with numpy.nan_to_num(array)",
            values[i]
        )));
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
        assert!(
            e.contains("shape [2, 3, 4] does not match the grid [4, 3, 2]"),
            "{e}"
        );
        assert!(e.contains("transpose"), "{e}");
    }

    #[test]
    fn any_bytes_give_an_error_not_a_panic() {
        let good = encode_f32(&[1.0; 24], &[2, 3, 4]);
        let p = Path::new("x.npy");
        // Every prefix of a valid file, and single-byte corruptions of the header.
        for n in 0..good.len() {
            let _ = parse_header(&good[..n], p);
        }
        for i in 0..80 {
            for b in [0u8, b'(', b')', b'\'', b',', 0xff] {
                let mut bad = good.clone();
                bad[i] = b;
                let _ = parse_header(&bad, p);
            }
        }
        let mut huge = good.clone();
        huge[6] = 2;
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        let e = parse_header(&huge, p).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
    }
}
