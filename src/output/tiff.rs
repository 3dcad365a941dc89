//! ImageJ-calibrated float32 multi-page TIFF volumes for Fiji/ImageJ, napari and
//! `tifffile`.
//!
//! A baseline little-endian TIFF, uncompressed, one page per z slice (page k is
//! z index k), one strip per page, `BitsPerSample=32`, `SampleFormat=3` (IEEE float),
//! `PhotometricInterpretation=1` (black is zero). Calibration is written the way
//! ImageJ's own `FileSaver`/`TiffEncoder` write it:
//!
//! * `XResolution = YResolution = 1/h` pixels per µm as RATIONALs and
//!   `ResolutionUnit = 1` (none): ImageJ takes the pixel size as 1/XResolution and the
//!   unit from the description, and uses unit codes 2/3 only for inch/cm.
//! * `ImageDescription` on the first page (ASCII, NUL-terminated), keys in ImageJ's
//!   order: `ImageJ=1.11a`, `images=NZ`, `slices=NZ`, `unit=um` (ImageJ turns `um`
//!   into µm), `cf=20` with `vunit=` the field's unit (ImageJ shows it as the value
//!   unit of a 32-bit image), `spacing=h`, `loop=false`, then `min=`/`max=` (the data
//!   range, ImageJ's initial display range). Stack keys are left out when nz = 1, as
//!   ImageJ does.
//! * The pixel data of all pages are contiguous, first page first: ImageJ reads only
//!   the first IFD of a file whose description says `images=N` and steps through
//!   the pages at the first strip offset plus k × page size. The other IFDs follow
//!   the data, for readers that walk the IFD chain.
//!
//! Axis orientation: TIFF row 0 is y index 0 and column 0 is x index 0, so every page
//! holds the slice `[k][..][..]` of our C-order `[nz][ny][nx]` array as is, and
//! `tifffile.imread` gives the same array as the `.npy` files. Fiji draws row 0 at the
//! top, so y runs downward on screen (the PNG slices draw y upward; use
//! Image › Transform › Flip Vertically to match them). Calibrated ImageJ coordinates
//! of pixel (x, y, slice) are our µm coordinates: voxel i spans `[i h, (i + 1) h)`.

use crate::atomic;
use crate::grid::Grid;
use crate::{Error, Result};
#[cfg(feature = "testing")]
use std::collections::BTreeMap;
use std::path::Path;

/// TIFF tag numbers used here.
pub mod tag {
    /// NewSubfileType (LONG).
    pub(crate) const NEW_SUBFILE_TYPE: u16 = 254;
    /// ImageWidth (LONG).
    pub(crate) const IMAGE_WIDTH: u16 = 256;
    /// ImageLength (LONG).
    pub(crate) const IMAGE_LENGTH: u16 = 257;
    /// BitsPerSample (SHORT).
    pub const BITS_PER_SAMPLE: u16 = 258;
    /// Compression (SHORT; 1 = none).
    pub const COMPRESSION: u16 = 259;
    /// PhotometricInterpretation (SHORT; 1 = black is zero).
    pub const PHOTOMETRIC: u16 = 262;
    /// ImageDescription (ASCII).
    pub const IMAGE_DESCRIPTION: u16 = 270;
    /// StripOffsets (LONG).
    pub const STRIP_OFFSETS: u16 = 273;
    /// SamplesPerPixel (SHORT).
    pub const SAMPLES_PER_PIXEL: u16 = 277;
    /// RowsPerStrip (LONG).
    pub(crate) const ROWS_PER_STRIP: u16 = 278;
    /// StripByteCounts (LONG).
    pub const STRIP_BYTE_COUNTS: u16 = 279;
    /// XResolution (RATIONAL, pixels per ResolutionUnit).
    pub const X_RESOLUTION: u16 = 282;
    /// YResolution (RATIONAL).
    pub const Y_RESOLUTION: u16 = 283;
    /// ResolutionUnit (SHORT; 1 = none, 2 = inch, 3 = cm).
    pub const RESOLUTION_UNIT: u16 = 296;
    /// SampleFormat (SHORT; 3 = IEEE float).
    pub const SAMPLE_FORMAT: u16 = 339;
}

const ASCII: u16 = 2;
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;

/// The ImageJ version written in the description (as `tifffile` writes it).
const IMAGEJ_VERSION: &str = "1.11a";

/// Keeps a label to printable ASCII for the TIFF ASCII type and Java's
/// `Properties.load` (ISO-8859-1, `\` escapes): µ becomes `u`, ² and ³ digits,
/// anything else `?`.
fn ascii_label(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'µ' | 'μ' => 'u',
            '²' => '2',
            '³' => '3',
            '\\' => '/',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '?',
        })
        .collect()
}

/// The ImageJ description of a float32 stack on `grid`, without the final NUL.
fn imagej_description(grid: &Grid, min: f32, max: f32, unit_label: &str) -> String {
    let mut d = format!("ImageJ={IMAGEJ_VERSION}\n");
    if grid.nz > 1 {
        d += &format!("images={}\nslices={}\n", grid.nz, grid.nz);
    }
    d += "unit=um\n";
    let vunit = ascii_label(unit_label);
    if !vunit.trim().is_empty() {
        d += &format!("cf=20\nvunit={vunit}\n");
    }
    if grid.nz > 1 {
        d += &format!("spacing={:?}\nloop=false\n", grid.spacing_um);
    }
    d += &format!("min={min:?}\nmax={max:?}\n");
    d
}

/// `1/h` pixels per µm as a RATIONAL (numerator, denominator), exact to 1e-6 µm
/// for h below 4294 µm (ImageJ itself writes `(1/h × 10⁶) / 10⁶`, truncated).
fn pixels_per_um(h: f64) -> (u32, u32) {
    let mut scale = 1_000_000u64;
    while scale > 1 && h * scale as f64 > u32::MAX as f64 {
        scale /= 10;
    }
    let den = ((h * scale as f64).round() as u64).clamp(1, u32::MAX as u64);
    let g = gcd(scale, den);
    ((scale / g) as u32, (den / g) as u32)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// One IFD entry: tag, type, count, and the value (inline) or offset.
type Entry = (u16, u16, u32, u32);

fn push_ifd(out: &mut Vec<u8>, entries: &[Entry], next: u32) {
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for &(t, ty, count, value) in entries {
        out.extend_from_slice(&t.to_le_bytes());
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        // A SHORT value sits in the first two bytes: little-endian u32 puts it there.
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(&next.to_le_bytes());
}

fn ifd_len(entries: usize) -> usize {
    2 + 12 * entries + 4
}

/// Writes `data` (C order `[nz][ny][nx]`) as an ImageJ float32 stack, one page per
/// z slice, calibrated to `grid.spacing_um` µm per voxel, with `unit_label` as the
/// value unit. Fails if `data` does not fit the grid or the file would pass the
/// 4 GiB limit of classic TIFF (use `.npy` or `.vti` then).
pub fn write_tiff(path: &Path, grid: &Grid, data: &[f32], unit_label: &str) -> Result<()> {
    if data.len() != grid.len() || grid.is_empty() {
        return Err(Error::input(
            path,
            format!(
                "a TIFF stack needs {} values for the grid {:?} (z, y, x), got {}",
                grid.len(),
                grid.shape_zyx(),
                data.len()
            ),
        ));
    }
    let (min, max) = data
        .iter()
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let (min, max) = if min <= max { (min, max) } else { (0.0, 0.0) };
    let mut description = imagej_description(grid, min, max, unit_label).into_bytes();
    description.push(0);

    let page_bytes = grid.nx * grid.ny * 4;
    let first_ifd_entries = 15;
    let other_ifd_entries = 14;
    let desc_at = 8 + ifd_len(first_ifd_entries);
    let res_at = desc_at + description.len();
    let data_at = (res_at + 16).next_multiple_of(16);
    let ifds_at = data_at + page_bytes * grid.nz;
    let total = ifds_at + ifd_len(other_ifd_entries) * (grid.nz - 1);
    if total > u32::MAX as usize {
        return Err(Error::io(
            path,
            std::io::Error::other(format!(
                "a {total}-byte TIFF passes the 4 GiB limit of classic TIFF; \
                 write this field as .npy or .vti"
            )),
        ));
    }
    let (num, den) = pixels_per_um(grid.spacing_um);
    let entries = |page: usize| -> Vec<Entry> {
        let mut e: Vec<Entry> = vec![
            (tag::NEW_SUBFILE_TYPE, LONG, 1, 0),
            (tag::IMAGE_WIDTH, LONG, 1, grid.nx as u32),
            (tag::IMAGE_LENGTH, LONG, 1, grid.ny as u32),
            (tag::BITS_PER_SAMPLE, SHORT, 1, 32),
            (tag::COMPRESSION, SHORT, 1, 1),
            (tag::PHOTOMETRIC, SHORT, 1, 1),
        ];
        if page == 0 {
            e.push((
                tag::IMAGE_DESCRIPTION,
                ASCII,
                description.len() as u32,
                desc_at as u32,
            ));
        }
        e.extend([
            (
                tag::STRIP_OFFSETS,
                LONG,
                1,
                (data_at + page * page_bytes) as u32,
            ),
            (tag::SAMPLES_PER_PIXEL, SHORT, 1, 1),
            (tag::ROWS_PER_STRIP, LONG, 1, grid.ny as u32),
            (tag::STRIP_BYTE_COUNTS, LONG, 1, page_bytes as u32),
            (tag::X_RESOLUTION, RATIONAL, 1, res_at as u32),
            (tag::Y_RESOLUTION, RATIONAL, 1, (res_at + 8) as u32),
            (tag::RESOLUTION_UNIT, SHORT, 1, 1),
            (tag::SAMPLE_FORMAT, SHORT, 1, 3),
        ]);
        e
    };
    let next_of = |page: usize| -> u32 {
        if page + 1 < grid.nz {
            (ifds_at + ifd_len(other_ifd_entries) * page) as u32
        } else {
            0
        }
    };

    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"II");
    out.extend_from_slice(&42u16.to_le_bytes());
    out.extend_from_slice(&8u32.to_le_bytes());
    push_ifd(&mut out, &entries(0), next_of(0));
    out.extend_from_slice(&description);
    for _ in 0..2 {
        out.extend_from_slice(&num.to_le_bytes());
        out.extend_from_slice(&den.to_le_bytes());
    }
    out.resize(data_at, 0);
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for page in 1..grid.nz {
        push_ifd(&mut out, &entries(page), next_of(page));
    }
    debug_assert_eq!(out.len(), total);
    atomic::write(path, &out)
}

/// The value of one tag as read back.
#[cfg(feature = "testing")]
#[derive(Debug, Clone, PartialEq)]
pub enum TagValue {
    /// ASCII, without the final NUL.
    Ascii(String),
    /// BYTE, SHORT or LONG values.
    Numbers(Vec<u64>),
    /// RATIONAL values as (numerator, denominator).
    Rationals(Vec<(u32, u32)>),
}

/// A float32 TIFF stack read by [`read_tiff`].
#[cfg(feature = "testing")]
#[derive(Debug, Clone, PartialEq)]
pub struct TiffStack {
    /// Columns (x).
    pub width: usize,
    /// Rows (y).
    pub height: usize,
    /// The tags of each page, in file order.
    pub pages: Vec<BTreeMap<u16, TagValue>>,
    /// Pixel values, `[page][row][column]`.
    pub data: Vec<f32>,
}

#[cfg(feature = "testing")]
impl TiffStack {
    /// A numeric tag of page `page`, if present with one value.
    pub fn number(&self, page: usize, t: u16) -> Option<u64> {
        match self.pages.get(page)?.get(&t)? {
            TagValue::Numbers(v) if v.len() == 1 => Some(v[0]),
            _ => None,
        }
    }

    /// A RATIONAL tag of page `page`, if present with one value.
    pub fn rational(&self, page: usize, t: u16) -> Option<(u32, u32)> {
        match self.pages.get(page)?.get(&t)? {
            TagValue::Rationals(v) if v.len() == 1 => Some(v[0]),
            _ => None,
        }
    }

    /// The ImageDescription of the first page.
    pub fn description(&self) -> Option<&str> {
        match self.pages.first()?.get(&tag::IMAGE_DESCRIPTION)? {
            TagValue::Ascii(s) => Some(s),
            _ => None,
        }
    }
}

/// Reads a little-endian, uncompressed, single-sample float32 TIFF (what
/// [`write_tiff`] writes), walking every IFD.
#[cfg(feature = "testing")]
pub fn read_tiff(path: &Path) -> Result<TiffStack> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bad = |m: String| Error::input(path, m);
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if bytes.get(..4) != Some(b"II\x2a\x00") {
        return Err(bad(
            "not a little-endian classic TIFF (no II*\\0 header)".into()
        ));
    }
    let truncated = || bad("truncated TIFF".into());
    let mut next = u32_at(4).ok_or_else(truncated)? as usize;
    let mut pages = Vec::new();
    let mut data = Vec::new();
    let (mut width, mut height) = (0, 0);
    while next != 0 {
        if pages.len() > bytes.len() / 12 {
            return Err(bad("the IFD chain loops".into()));
        }
        let n = u16_at(next).ok_or_else(truncated)? as usize;
        let mut tags = BTreeMap::new();
        for e in 0..n {
            let at = next + 2 + 12 * e;
            let t = u16_at(at).ok_or_else(truncated)?;
            let ty = u16_at(at + 2).ok_or_else(truncated)?;
            let count = u32_at(at + 4).ok_or_else(truncated)? as usize;
            let size = match ty {
                1 | 2 => 1,
                3 => 2,
                4 => 4,
                5 => 8,
                _ => continue, // types we do not write
            };
            let start = if size * count <= 4 {
                at + 8
            } else {
                u32_at(at + 8).ok_or_else(truncated)? as usize
            };
            let raw = bytes
                .get(start..start + size * count)
                .ok_or_else(truncated)?;
            let value = match ty {
                2 => TagValue::Ascii(
                    String::from_utf8_lossy(raw.split(|&b| b == 0).next().unwrap_or(raw))
                        .into_owned(),
                ),
                5 => TagValue::Rationals(
                    raw.chunks_exact(8)
                        .map(|c| {
                            (
                                u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                                u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
                            )
                        })
                        .collect(),
                ),
                _ => TagValue::Numbers(
                    raw.chunks_exact(size)
                        .map(|c| match size {
                            1 => c[0] as u64,
                            2 => u16::from_le_bytes([c[0], c[1]]) as u64,
                            _ => u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as u64,
                        })
                        .collect(),
                ),
            };
            tags.insert(t, value);
        }
        next = u32_at(next + 2 + 12 * n).ok_or_else(truncated)? as usize;

        let num = |t: u16| match tags.get(&t) {
            Some(TagValue::Numbers(v)) => Some(v.clone()),
            _ => None,
        };
        let one = |t: u16, default: u64| num(t).and_then(|v| v.first().copied()).unwrap_or(default);
        let (w, h) = (
            one(tag::IMAGE_WIDTH, 0) as usize,
            one(tag::IMAGE_LENGTH, 0) as usize,
        );
        let page = pages.len();
        if page == 0 {
            (width, height) = (w, h);
        } else if (w, h) != (width, height) {
            return Err(bad(format!(
                "page {page} is {w}×{h}, page 0 is {width}×{height}"
            )));
        }
        if one(tag::BITS_PER_SAMPLE, 1) != 32
            || one(tag::SAMPLE_FORMAT, 1) != 3
            || one(tag::COMPRESSION, 1) != 1
            || one(tag::SAMPLES_PER_PIXEL, 1) != 1
        {
            return Err(bad(format!(
                "page {page} is not uncompressed single-sample 32-bit float"
            )));
        }
        let offsets = num(tag::STRIP_OFFSETS).unwrap_or_default();
        let counts = num(tag::STRIP_BYTE_COUNTS).unwrap_or_default();
        let mut pixels = Vec::with_capacity(w.saturating_mul(h).saturating_mul(4).min(bytes.len()));
        for (&o, &c) in offsets.iter().zip(&counts) {
            let strip = bytes
                .get(o as usize..o.saturating_add(c) as usize)
                .ok_or_else(truncated)?;
            pixels.extend_from_slice(strip);
        }
        let need = w.saturating_mul(h).saturating_mul(4);
        if pixels.len() != need {
            return Err(bad(format!(
                "page {page} holds {} pixel bytes, {w}×{h} float32 needs {need}",
                pixels.len(),
            )));
        }
        data.extend(
            pixels
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        pages.push(tags);
    }
    Ok(TiffStack {
        width,
        height,
        pages,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_is_the_exact_inverse_spacing() {
        assert_eq!(pixels_per_um(10.0), (1, 10));
        assert_eq!(pixels_per_um(2.5), (2, 5));
        assert_eq!(pixels_per_um(0.325), (40, 13));
        assert_eq!(pixels_per_um(1.0), (1, 1));
        let (n, d) = pixels_per_um(5000.0);
        assert_eq!(d as f64 / n as f64, 5000.0);
    }

    #[test]
    fn labels_become_ascii() {
        assert_eq!(ascii_label("µmol/m³"), "umol/m3");
        assert_eq!(ascii_label("a\nb\\c"), "a?b/c");
    }
}
