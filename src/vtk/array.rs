//! Decoding of VTK XML `<DataArray>` contents: `format="ascii"` and `format="binary"`
//! (inline base64, raw or zlib-compressed).
//!
//! Binary layout (VTK's "header_type" is UInt32 unless the `<VTKFile>` says UInt64):
//! - uncompressed: `[byte count]` then the data;
//! - `compressor="vtkZLibDataCompressor"`: `[nblocks, blocksize, lastblocksize,
//!   compressed size of each block…]` then the zlib blocks one after another; each
//!   block inflates to `blocksize` bytes, the last to `lastblocksize` (0 meaning a full
//!   block).
//!
//! VTK writes the header and the data either as one base64 stream or as two streams one
//! after the other (the header padded on its own). Both decode the same way here: the
//! text is split after each run of `=` padding and the pieces are decoded one by one.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use std::io::Read as _;

/// The scalar type of an array (`type` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl Scalar {
    /// The type named by a `type` attribute.
    pub(crate) fn parse(name: &str) -> Option<Scalar> {
        Some(match name {
            "Int8" | "Char" => Scalar::I8,
            "UInt8" | "UnsignedChar" => Scalar::U8,
            "Int16" => Scalar::I16,
            "UInt16" => Scalar::U16,
            "Int32" => Scalar::I32,
            "UInt32" => Scalar::U32,
            "Int64" => Scalar::I64,
            "UInt64" => Scalar::U64,
            "Float32" => Scalar::F32,
            "Float64" => Scalar::F64,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            Scalar::I8 | Scalar::U8 => 1,
            Scalar::I16 | Scalar::U16 => 2,
            Scalar::I32 | Scalar::U32 | Scalar::F32 => 4,
            Scalar::I64 | Scalar::U64 | Scalar::F64 => 8,
        }
    }

    fn is_float(self) -> bool {
        matches!(self, Scalar::F32 | Scalar::F64)
    }
}

/// Decoded values: floats as f64, integers as i64.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Values {
    Float(Vec<f64>),
    Int(Vec<i64>),
}

impl Values {
    /// The number of values.
    pub(crate) fn len(&self) -> usize {
        match self {
            Values::Float(v) => v.len(),
            Values::Int(v) => v.len(),
        }
    }

    /// All values as f64.
    pub(crate) fn into_f64(self) -> Vec<f64> {
        match self {
            Values::Float(v) => v,
            Values::Int(v) => v.into_iter().map(|x| x as f64).collect(),
        }
    }
}

/// How binary arrays of a file are laid out (attributes of `<VTKFile>`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Encoding<'a> {
    /// header_type="UInt64" (else UInt32).
    pub(crate) header_u64: bool,
    /// byte_order="BigEndian": binary arrays are refused (ASCII ones have no order).
    pub(crate) big_endian: bool,
    /// The compressor attribute, when there is one.
    pub(crate) compressor: Option<&'a str>,
}

/// Decodes `content` of `scalar` values; their number must be one of `counts`. The
/// error message says what is wrong; the caller names the array.
pub(crate) fn decode(
    content: &[u8],
    format: &str,
    scalar: Scalar,
    counts: &[usize],
    enc: Encoding,
) -> Result<Values, String> {
    let values = match format {
        "ascii" => decode_ascii(content, scalar)?,
        "binary" => {
            let sizes: Vec<usize> = counts
                .iter()
                .map(|c| c.saturating_mul(scalar.size()))
                .collect();
            let raw = decode_binary(content, enc, &sizes)?;
            from_bytes(&raw, scalar)?
        }
        "appended" => {
            return Err(
                "the data is appended (format=\"appended\"), which oxyfield does not \
                 read; re-save the file in ParaView with Data Mode 'Ascii' or 'Binary' \
                 (inline), not 'Appended'"
                    .into(),
            )
        }
        other => {
            return Err(format!(
                "unknown format=\"{other}\"; VTK arrays are \"ascii\" or \"binary\""
            ))
        }
    };
    if !counts.contains(&values.len()) {
        let want: Vec<String> = counts.iter().map(|c| c.to_string()).collect();
        return Err(format!(
            "holds {} values, expected {}",
            values.len(),
            want.join(" or ")
        ));
    }
    Ok(values)
}

fn decode_ascii(content: &[u8], scalar: Scalar) -> Result<Values, String> {
    let text = std::str::from_utf8(content)
        .map_err(|_| "ascii data holds bytes that are not text".to_string())?;
    let toks = text.split_ascii_whitespace();
    if scalar.is_float() {
        toks.enumerate()
            .map(|(i, t)| {
                t.parse::<f64>()
                    .map_err(|_| format!("value {i} ('{t}') is not a number"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Values::Float)
    } else {
        toks.enumerate()
            .map(|(i, t)| {
                t.parse::<i64>()
                    .map_err(|_| format!("value {i} ('{t}') is not an integer"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Values::Int)
    }
}

/// Base64 text that may be several padded streams one after another.
fn decode_base64(content: &[u8]) -> Result<Vec<u8>, String> {
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let clean: Vec<u8> = content
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let mut start = 0;
    while start < clean.len() {
        let mut end = clean[start..]
            .iter()
            .position(|&c| c == b'=')
            .map_or(clean.len(), |p| start + p);
        while end < clean.len() && clean[end] == b'=' {
            end += 1;
        }
        engine
            .decode_vec(&clean[start..end], &mut out)
            .map_err(|e| {
                format!(
                    "the base64 data is invalid ({e}); write the array with format=\"ascii\", \
                     or encode it again as VTK's inline base64 binary"
                )
            })?;
        start = end;
    }
    Ok(out)
}

/// The raw data bytes of a binary array; its length must be one of `expected`.
fn decode_binary(content: &[u8], enc: Encoding, expected: &[usize]) -> Result<Vec<u8>, String> {
    if enc.big_endian {
        return Err(
            "the file is big-endian (byte_order=\"BigEndian\"), which oxyfield does \
             not read in binary; re-save it in ParaView with Data Mode 'Ascii'"
                .into(),
        );
    }
    let zlib = match enc.compressor {
        None | Some("") => false,
        Some("vtkZLibDataCompressor") => true,
        Some(other) => {
            return Err(format!(
                "compressor \"{other}\" is not supported; re-save the file in ParaView \
                 without compression or with zlib"
            ))
        }
    };
    let bytes = decode_base64(content)?;
    let hs = if enc.header_u64 { 8 } else { 4 };
    let word = |k: usize| -> Result<usize, String> {
        let at = k.checked_mul(hs).ok_or("header too large")?;
        let w = bytes
            .get(at..at + hs)
            .ok_or("the binary data ends inside its header; the file is truncated")?;
        let v = if hs == 8 {
            u64::from_le_bytes(w.try_into().unwrap_or_default())
        } else {
            u64::from(u32::from_le_bytes(w.try_into().unwrap_or_default()))
        };
        usize::try_from(v).map_err(|_| "a header value is too large".to_string())
    };
    let too_short = |claimed: usize| {
        format!(
            "the header promises {claimed} bytes, but the decoded data is shorter; the file \
             is truncated"
        )
    };
    let unexpected = |what: &str, n: usize| {
        let want: Vec<String> = expected.iter().map(|c| c.to_string()).collect();
        format!(
            "the {what} gives {n} bytes of data, expected {}",
            want.join(" or ")
        )
    };
    if !zlib {
        let n = word(0)?;
        if !expected.contains(&n) {
            return Err(unexpected("header", n));
        }
        return hs
            .checked_add(n)
            .and_then(|end| bytes.get(hs..end))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| too_short(n));
    }
    let (nblocks, block, last) = (word(0)?, word(1)?, word(2)?);
    let last = if last == 0 { block } else { last };
    let total = match nblocks {
        0 => 0,
        n => (n - 1).saturating_mul(block).saturating_add(last),
    };
    if !expected.contains(&total) {
        return Err(unexpected("compression header", total));
    }
    let mut offset = nblocks
        .checked_add(3)
        .and_then(|w| w.checked_mul(hs))
        .filter(|&o| o <= bytes.len())
        .ok_or_else(|| too_short(total))?;
    // zlib inflates at most ~1032-fold: a header cannot make this allocate more.
    let mut out = Vec::with_capacity(total.min(bytes.len().saturating_mul(1032)));
    for k in 0..nblocks {
        let csize = word(3 + k)?;
        let end = offset.checked_add(csize).ok_or_else(|| too_short(total))?;
        let block_bytes = bytes.get(offset..end).ok_or_else(|| too_short(total))?;
        let want = if k + 1 == nblocks { last } else { block };
        let before = out.len();
        flate2::read::ZlibDecoder::new(block_bytes)
            .take(want as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| format!("zlib block {k} does not inflate ({e})"))?;
        if out.len() - before != want {
            return Err(format!(
                "zlib block {k} inflates to {} bytes, the header says {want}",
                out.len() - before
            ));
        }
        offset = end;
    }
    Ok(out)
}

fn from_bytes(raw: &[u8], scalar: Scalar) -> Result<Values, String> {
    macro_rules! ints {
        ($t:ty) => {
            raw.chunks_exact(std::mem::size_of::<$t>())
                .map(|c| {
                    i64::try_from(<$t>::from_le_bytes(c.try_into().unwrap_or_default()))
                        .map_err(|_| "an integer is too large for this reader".to_string())
                })
                .collect::<Result<Vec<i64>, String>>()
                .map(Values::Int)
        };
    }
    if !raw.len().is_multiple_of(scalar.size()) {
        return Err(format!(
            "{} bytes is not a whole number of {}-byte values",
            raw.len(),
            scalar.size()
        ));
    }
    match scalar {
        Scalar::I8 => ints!(i8),
        Scalar::U8 => ints!(u8),
        Scalar::I16 => ints!(i16),
        Scalar::U16 => ints!(u16),
        Scalar::I32 => ints!(i32),
        Scalar::U32 => ints!(u32),
        Scalar::I64 => ints!(i64),
        Scalar::U64 => ints!(u64),
        Scalar::F32 => Ok(Values::Float(
            raw.chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap_or_default()) as f64)
                .collect(),
        )),
        Scalar::F64 => Ok(Values::Float(
            raw.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or_default()))
                .collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use std::io::Write as _;

    fn f64_bytes(v: &[f64]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    const RAW32: Encoding = Encoding {
        header_u64: false,
        big_endian: false,
        compressor: None,
    };

    #[test]
    fn ascii_and_binary_one_or_two_streams() {
        let v = [1.5, -2.0, 3.25];
        let ascii = decode(b" 1.5\n-2 3.25 ", "ascii", Scalar::F64, &[3], RAW32).unwrap();
        assert_eq!(ascii, Values::Float(v.to_vec()));
        let data = f64_bytes(&v);
        let header = (data.len() as u32).to_le_bytes();
        let one = STANDARD.encode([header.as_slice(), &data].concat());
        let two = STANDARD.encode(header) + &STANDARD.encode(&data);
        for text in [one, two] {
            let got = decode(text.as_bytes(), "binary", Scalar::F64, &[3], RAW32).unwrap();
            assert_eq!(got, Values::Float(v.to_vec()));
        }
        let ints: Vec<u8> = [7i32, -1].iter().flat_map(|x| x.to_le_bytes()).collect();
        let text = STANDARD.encode([8u32.to_le_bytes().as_slice(), &ints].concat());
        let got = decode(text.as_bytes(), "binary", Scalar::I32, &[2], RAW32).unwrap();
        assert_eq!(got, Values::Int(vec![7, -1]));
    }

    #[test]
    fn zlib_blocks_with_uint64_header() {
        let v: Vec<f64> = (0..100).map(|i| i as f64 * 0.5).collect();
        let data = f64_bytes(&v);
        let block = 256;
        let blocks: Vec<Vec<u8>> = data
            .chunks(block)
            .map(|c| {
                let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Default::default());
                z.write_all(c).unwrap();
                z.finish().unwrap()
            })
            .collect();
        let mut header = vec![
            blocks.len() as u64,
            block as u64,
            (data.len() % block) as u64,
        ];
        header.extend(blocks.iter().map(|b| b.len() as u64));
        let header: Vec<u8> = header.iter().flat_map(|x| x.to_le_bytes()).collect();
        let text = STANDARD.encode(&header) + &STANDARD.encode(blocks.concat());
        let enc = Encoding {
            header_u64: true,
            compressor: Some("vtkZLibDataCompressor"),
            ..RAW32
        };
        let got = decode(text.as_bytes(), "binary", Scalar::F64, &[100], enc).unwrap();
        assert_eq!(got, Values::Float(v));
        // Truncated data and a wrong count are errors, not panics.
        let cut = &text.as_bytes()[..text.len() - 40];
        assert!(decode(cut, "binary", Scalar::F64, &[100], enc).is_err());
        assert!(decode(text.as_bytes(), "binary", Scalar::F64, &[99], enc).is_err());
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(decode(b"1 x", "ascii", Scalar::F32, &[2], RAW32)
            .unwrap_err()
            .contains("value 1 ('x')"));
        assert!(decode(b"1 2", "ascii", Scalar::F32, &[3], RAW32)
            .unwrap_err()
            .contains("expected 3"));
        assert!(decode(b"", "appended", Scalar::F32, &[3], RAW32)
            .unwrap_err()
            .contains("ParaView"));
        assert!(decode(b"!!!!", "binary", Scalar::F32, &[1], RAW32).is_err());
        assert!(decode(b"AAA", "binary", Scalar::F32, &[1], RAW32).is_err());
        let huge = STANDARD.encode(u32::MAX.to_le_bytes());
        assert!(decode(huge.as_bytes(), "binary", Scalar::F32, &[1], RAW32).is_err());
        let hz = STANDARD.encode([u32::MAX, 4, 4].map(u32::to_le_bytes).concat());
        let enc = Encoding {
            compressor: Some("vtkZLibDataCompressor"),
            ..RAW32
        };
        assert!(decode(hz.as_bytes(), "binary", Scalar::F32, &[1], enc).is_err());
        let big = Encoding {
            big_endian: true,
            ..RAW32
        };
        assert!(decode(b"AAAA", "binary", Scalar::F32, &[1], big)
            .unwrap_err()
            .contains("BigEndian"));
        assert_eq!(
            decode(b"1", "ascii", Scalar::F32, &[1], big).unwrap(),
            Values::Float(vec![1.0])
        );
        let lz4 = Encoding {
            compressor: Some("vtkLZ4DataCompressor"),
            ..RAW32
        };
        assert!(decode(b"AAAA", "binary", Scalar::F32, &[1], lz4)
            .unwrap_err()
            .contains("zlib"));
    }
}
