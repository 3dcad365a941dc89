//! VTK XML ImageData (`.vti`) volumes for ParaView and other VTK readers.
//!
//! One file holds any number of float32 fields on the grid, each as a named
//! `PointData` array with one value per voxel centre:
//!
//! * `WholeExtent="0 nx-1 0 ny-1 0 nz-1"`, `Spacing="h h h"` and
//!   `Origin="h/2 h/2 h/2"` (µm), so point (i, j, k) sits at the centre of voxel
//!   (i, j, k), `((i + ½)h, (j + ½)h, (k + ½)h)`, as in [`Grid::centre`].
//! * x varies fastest, then y, then z: VTK's point order is our C order `[nz][ny][nx]`,
//!   so the arrays are written as they are held, without reordering.
//! * Units go in the array name, `"o2 [mmHg]"`, so ParaView shows them in the colour
//!   legend; [`read_vti`] returns the names as written.
//! * Data are `format="binary"` (inline base64), `byte_order="LittleEndian"`,
//!   `header_type="UInt64"`, compressed with `compressor="vtkZLibDataCompressor"` in
//!   32 KiB blocks, the layout `vtkXMLWriter` writes by default: base64 of the header
//!   `[n_blocks, block_size, last_block_size, compressed_size × n_blocks]` (UInt64),
//!   then, as a separate base64 run, the zlib streams of the blocks. zlib gains little
//!   on the noisy low mantissa bits of a float field but a lot on flat regions
//!   (anoxic zeros, unperfused tissue), which offsets base64's 4/3; blocks are
//!   compressed in parallel.

use crate::atomic;
use crate::grid::Grid;
use crate::{Error, Result};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use rayon::prelude::*;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::Path;

/// Uncompressed bytes per zlib block (VTK's default `BlockSize`).
const BLOCK: usize = 32 * 1024;

/// The VTK array name of a field: `name [units]`, or `name` when `units` is empty.
pub fn array_name(name: &str, units: &str) -> String {
    if units.is_empty() {
        name.to_string()
    } else {
        format!("{name} [{units}]")
    }
}

/// Writes `fields` (name, values in C order `[nz][ny][nx]`, units) on `grid` as one
/// VTK ImageData file, atomically. Every field must hold `grid.len()` values.
pub fn write_vti(path: &Path, grid: &Grid, fields: &[(&str, &[f32], &str)]) -> Result<()> {
    for (name, data, _) in fields {
        if data.len() != grid.len() {
            return Err(Error::input(
                path,
                format!(
                    "field '{name}' holds {} values, the grid {:?} (z, y, x) has {}",
                    data.len(),
                    grid.shape_zyx(),
                    grid.len()
                ),
            ));
        }
    }
    let h = grid.spacing_um;
    let extent = format!(
        "0 {} 0 {} 0 {}",
        grid.nx as i64 - 1,
        grid.ny as i64 - 1,
        grid.nz as i64 - 1
    );
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\"?>\n");
    xml.push_str(
        "<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" \
         header_type=\"UInt64\" compressor=\"vtkZLibDataCompressor\">\n",
    );
    let o = h / 2.0;
    let _ = writeln!(
        xml,
        "  <ImageData WholeExtent=\"{extent}\" Origin=\"{o} {o} {o}\" Spacing=\"{h} {h} {h}\">"
    );
    let _ = writeln!(xml, "    <Piece Extent=\"{extent}\">");
    match fields.first() {
        Some((name, _, units)) => {
            let _ = writeln!(
                xml,
                "      <PointData Scalars=\"{}\">",
                xml_escape(&array_name(name, units))
            );
        }
        None => xml.push_str("      <PointData>\n"),
    }
    for (name, data, units) in fields {
        let _ = write!(
            xml,
            "        <DataArray type=\"Float32\" Name=\"{}\" NumberOfComponents=\"1\" \
             format=\"binary\">\n          ",
            xml_escape(&array_name(name, units))
        );
        encode_zlib_base64(data, &mut xml);
        xml.push_str("\n        </DataArray>\n");
    }
    xml.push_str("      </PointData>\n      <CellData>\n      </CellData>\n");
    xml.push_str("    </Piece>\n  </ImageData>\n</VTKFile>\n");
    atomic::write(path, xml.as_bytes())
}

/// Appends the VTK zlib-compressed, base64 encoding of `data` to `out`.
fn encode_zlib_base64(data: &[f32], out: &mut String) {
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    let blocks: Vec<Vec<u8>> = bytes
        .par_chunks(BLOCK)
        .map(|chunk| {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            // Writing to a Vec cannot fail.
            z.write_all(chunk).expect("zlib into memory");
            z.finish().expect("zlib into memory")
        })
        .collect();
    let mut header: Vec<u64> = vec![
        blocks.len() as u64,
        BLOCK as u64,
        (bytes.len() % BLOCK) as u64,
    ];
    header.extend(blocks.iter().map(|b| b.len() as u64));
    let header: Vec<u8> = header.iter().flat_map(|v| v.to_le_bytes()).collect();
    BASE64.encode_string(&header, out);
    BASE64.encode_string(blocks.concat(), out);
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xml_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of attribute `key` in the text of one start tag.
fn attr<'a>(tag: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = tag;
    loop {
        let pos = rest.find(key)?;
        let before = rest[..pos].chars().last();
        let after = rest[pos + key.len()..].trim_start();
        rest = &rest[pos + key.len()..];
        if before.is_some_and(char::is_whitespace) {
            if let Some(v) = after.strip_prefix('=') {
                let v = v.trim_start();
                let q = v.chars().next()?;
                if q == '"' || q == '\'' {
                    return v[1..].split(q).next();
                }
            }
        }
    }
}

/// The text of the first start tag `<name ...>` at or after `from`, and the offset
/// just past it.
fn start_tag<'a>(xml: &'a str, name: &str, from: usize) -> Option<(&'a str, usize)> {
    let mut at = from;
    loop {
        let pos = at + xml[at..].find(&format!("<{name}"))?;
        let after = pos + 1 + name.len();
        let next = xml[after..].chars().next()?;
        if next.is_whitespace() || next == '>' || next == '/' {
            let end = after + xml[after..].find('>')?;
            return Some((&xml[after..end], end + 1));
        }
        at = after;
    }
}

/// One array read back: its name as written and its values in C order `[nz][ny][nx]`.
pub type NamedField = (String, Vec<f32>);

/// Reads a `.vti` written by [`write_vti`]: the grid and each `PointData` array
/// (name as written, values in C order `[nz][ny][nx]`). Inline base64 Float32
/// arrays with UInt32 or UInt64 headers, plain or zlib-compressed, are accepted;
/// appended data and other types are not.
pub fn read_vti(path: &Path) -> Result<(Grid, Vec<NamedField>)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let bad = |m: String| Error::input(path, m);
    let (file_tag, _) =
        start_tag(&text, "VTKFile", 0).ok_or_else(|| bad("no <VTKFile> element".into()))?;
    if attr(file_tag, "type") != Some("ImageData") {
        return Err(bad(
            "not a VTK ImageData file (type is not \"ImageData\")".into()
        ));
    }
    if attr(file_tag, "byte_order").unwrap_or("LittleEndian") != "LittleEndian" {
        return Err(bad("only byte_order=\"LittleEndian\" is supported".into()));
    }
    let word = match attr(file_tag, "header_type").unwrap_or("UInt32") {
        "UInt32" => 4,
        "UInt64" => 8,
        t => return Err(bad(format!("unsupported header_type \"{t}\""))),
    };
    let compressed = match attr(file_tag, "compressor") {
        None => false,
        Some("vtkZLibDataCompressor") => true,
        Some(c) => return Err(bad(format!("unsupported compressor \"{c}\""))),
    };
    let (image_tag, _) =
        start_tag(&text, "ImageData", 0).ok_or_else(|| bad("no <ImageData> element".into()))?;
    let numbers = |key: &str, n: usize| -> Result<Vec<f64>> {
        let v = attr(image_tag, key)
            .ok_or_else(|| bad(format!("<ImageData> has no {key}")))?
            .split_whitespace()
            .map(str::parse::<f64>)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| bad(format!("<ImageData> {key} is not a list of numbers")))?;
        if v.len() != n {
            return Err(bad(format!(
                "<ImageData> {key} has {} numbers, expected {n}",
                v.len()
            )));
        }
        Ok(v)
    };
    let ext = numbers("WholeExtent", 6)?;
    let spacing = numbers("Spacing", 3)?;
    let origin = numbers("Origin", 3)?;
    let h = spacing[0];
    if spacing.iter().any(|&s| s != h) || h <= 0.0 {
        return Err(bad(format!(
            "Spacing {spacing:?} is not one positive voxel size"
        )));
    }
    if ext[0] != 0.0 || ext[2] != 0.0 || ext[4] != 0.0 {
        return Err(bad(format!("WholeExtent {ext:?} does not start at 0 0 0")));
    }
    if origin.iter().any(|&o| (o - h / 2.0).abs() > 1e-9 * h) {
        return Err(bad(format!(
            "Origin {origin:?} is not the first voxel centre ({} µm on each axis)",
            h / 2.0
        )));
    }
    if ext.iter().any(|&e| !(0.0..=1e6).contains(&e)) {
        return Err(bad(format!(
            "WholeExtent {ext:?} is outside 0 to 10⁶ voxels per axis"
        )));
    }
    let size = |lo: f64, hi: f64| (hi - lo + 1.0).max(0.0) as usize;
    let grid = Grid {
        nx: size(ext[0], ext[1]),
        ny: size(ext[2], ext[3]),
        nz: size(ext[4], ext[5]),
        spacing_um: h,
    };
    let mut fields = Vec::new();
    let mut at = 0;
    while let Some((tag, body_start)) = start_tag(&text, "DataArray", at) {
        let name = xml_unescape(attr(tag, "Name").unwrap_or(""));
        let body_end = body_start
            + text[body_start..]
                .find("</DataArray>")
                .ok_or_else(|| bad(format!("array '{name}' has no </DataArray>")))?;
        at = body_end;
        if attr(tag, "type") != Some("Float32") || attr(tag, "format") != Some("binary") {
            return Err(bad(format!(
                "array '{name}' is not type=\"Float32\" format=\"binary\""
            )));
        }
        let body = text[body_start..body_end].trim();
        let bytes = if compressed {
            decode_zlib(body, word)
        } else {
            decode_plain(body, word)
        }
        .map_err(|m| bad(format!("array '{name}': {m}")))?;
        if bytes.len() != grid.len() * 4 {
            return Err(bad(format!(
                "array '{name}' holds {} bytes, the extent needs {}",
                bytes.len(),
                grid.len() * 4
            )));
        }
        let values = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        fields.push((name, values));
    }
    Ok((grid, fields))
}

fn header_words(bytes: &[u8], word: usize) -> Vec<u64> {
    bytes
        .chunks_exact(word)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..word].copy_from_slice(c);
            u64::from_le_bytes(b)
        })
        .collect()
}

fn b64(s: &str) -> std::result::Result<Vec<u8>, String> {
    BASE64.decode(s).map_err(|e| format!("bad base64 ({e})"))
}

/// Decodes uncompressed binary data: one base64 run of `[byte count][data]`.
fn decode_plain(body: &str, word: usize) -> std::result::Result<Vec<u8>, String> {
    let all = b64(body)?;
    let n = *header_words(all.get(..word).ok_or("no size header")?, word)
        .first()
        .ok_or("no size header")? as usize;
    all.get(word..word + n)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| format!("header says {n} bytes, fewer follow"))
}

/// Characters of base64 that encode `n` bytes.
fn b64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Decodes zlib-compressed binary data: base64 of the block header, then base64 of
/// the concatenated compressed blocks.
fn decode_zlib(body: &str, word: usize) -> std::result::Result<Vec<u8>, String> {
    let first = body.get(..b64_len(3 * word)).ok_or("truncated header")?;
    let nblocks = header_words(&b64(first)?, word)[0] as usize;
    if nblocks > body.len() {
        return Err(format!("header claims {nblocks} blocks"));
    }
    let hlen = b64_len((3 + nblocks) * word);
    let header = header_words(&b64(body.get(..hlen).ok_or("truncated header")?)?, word);
    if header.len() < 3 + nblocks {
        return Err("truncated header".into());
    }
    let (block, last) = (header[1] as usize, header[2] as usize);
    let packed = b64(&body[hlen..])?;
    // Reserve no more than zlib could inflate the data to (1032:1 at most).
    let bound = packed
        .len()
        .saturating_mul(1032)
        .min(nblocks.saturating_mul(block));
    let mut out = Vec::with_capacity(bound);
    let mut at = 0;
    for (b, &csize) in header[3..].iter().enumerate() {
        let csize = csize as usize;
        let src = packed.get(at..at + csize).ok_or("truncated block")?;
        at += csize;
        let want = if b + 1 == nblocks && last != 0 {
            last
        } else {
            block
        };
        let before = out.len();
        flate2::read::ZlibDecoder::new(src)
            .read_to_end(&mut out)
            .map_err(|e| format!("block {b}: {e}"))?;
        if out.len() - before != want {
            return Err(format!(
                "block {b} inflates to {} bytes, not {want}",
                out.len() - before
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_matches_whole_names_only() {
        let tag = r#" type="Float32" Name="a [b]" format='binary'"#;
        assert_eq!(attr(tag, "type"), Some("Float32"));
        assert_eq!(attr(tag, "Name"), Some("a [b]"));
        assert_eq!(attr(tag, "format"), Some("binary"));
        assert_eq!(attr(tag, "ame"), None);
    }

    #[test]
    fn zlib_blocks_round_trip_across_block_edges() {
        for n in [0, 1, BLOCK / 4, BLOCK / 4 + 1, 3 * BLOCK / 4] {
            let data: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let mut s = String::new();
            encode_zlib_base64(&data, &mut s);
            let bytes = decode_zlib(&s, 8).unwrap();
            assert_eq!(bytes.len(), n * 4);
            let back: Vec<f32> = bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            assert_eq!(back, data);
        }
    }
}
