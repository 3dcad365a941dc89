//! PNG output for figures, with the resolution recorded in a pHYs chunk so that
//! slide and document software places the image at its intended physical size.

use crate::atomic;
use crate::{Error, Result};
use image::RgbImage;
use std::path::Path;

/// Pixels per metre for `dpi` dots per inch (an inch is 0.0254 m), rounded.
pub(crate) fn pixels_per_metre(dpi: u32) -> u32 {
    (dpi as f64 / 0.0254).round() as u32
}

/// Encodes `img` as an 8-bit RGB PNG whose pHYs chunk says `dpi`.
pub fn encode_png(img: &RgbImage, dpi: u32) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let fail = |e: ::png::EncodingError| Error::io("<png encoder>", std::io::Error::other(e));
    {
        let mut enc = ::png::Encoder::new(&mut bytes, img.width(), img.height());
        enc.set_color(::png::ColorType::Rgb);
        enc.set_depth(::png::BitDepth::Eight);
        let ppm = pixels_per_metre(dpi);
        enc.set_pixel_dims(Some(::png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: ::png::Unit::Meter,
        }));
        let mut writer = enc.write_header().map_err(fail)?;
        writer.write_image_data(img.as_raw()).map_err(fail)?;
        writer.finish().map_err(fail)?;
    }
    Ok(bytes)
}

/// Writes `img` to `path` as a PNG at `dpi`, atomically (temporary file, then rename).
pub fn write_png(path: &Path, img: &RgbImage, dpi: u32) -> Result<()> {
    let bytes = encode_png(img, dpi).map_err(|e| match e {
        Error::Io { source, .. } => Error::io(path, source),
        other => other,
    })?;
    atomic::write(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppm_of_common_dpis() {
        assert_eq!(pixels_per_metre(72), 2835);
        assert_eq!(pixels_per_metre(150), 5906);
        assert_eq!(pixels_per_metre(300), 11811);
    }
}
