//! Animations of a protocol run: one rendered panel per output time, each with a time
//! stamp, written as an animated PNG (APNG).
//!
//! Every frame is drawn with the same [`FigureStyle`], so the colour limits and the
//! colorbar stay fixed and only the field changes from frame to frame. The time stamp
//! sits in a white strip above the figure rather than on the panel: it reads on any
//! colour map and hides no data.
//!
//! APNG keeps the first frame in the ordinary `IDAT` chunk, so a viewer without APNG
//! support shows the first time point as a still image. GIF is not offered: the `image`
//! crate is built here with its PNG codec only, and a GIF's 256-colour palette would
//! band a continuous colour map anyway.

use super::canvas::{self, Canvas, HAlign, TextStyle, VAlign, BLACK};
use super::figure::{render_panel, Panel};
use super::png::pixels_per_metre;
use super::style::FigureStyle;
use crate::atomic;
use crate::{Error, Result};
use image::RgbImage;
use std::path::Path;

/// Most decimals a time stamp shows.
const MAX_DECIMALS: usize = 2;

/// Renders one frame per `(time in hours, panel)` with [`render_panel`] and `style`,
/// and puts a time stamp (see [`time_stamps`]) in a white strip of
/// [`stamp_strip_height`] pixels above each. All frames come out the same size: panels
/// of different shapes (which an animation should not have) are padded with white on
/// the right and bottom to the largest.
pub fn render_frames(frames: &[(f64, Panel)], style: &FigureStyle) -> Result<Vec<RgbImage>> {
    if frames.is_empty() {
        return Err(Error::input(
            "animation",
            "an animation needs at least one frame",
        ));
    }
    let times: Vec<f64> = frames.iter().map(|(t, _)| *t).collect();
    let labels = time_stamps(&times)?;
    let figures = frames
        .iter()
        .map(|(_, panel)| render_panel(panel, style).map(|f| f.image))
        .collect::<Result<Vec<_>>>()?;
    let width = figures.iter().map(|f| f.width()).max().unwrap_or(1);
    let height = figures.iter().map(|f| f.height()).max().unwrap_or(1);
    let strip = stamp_strip_height(style);
    let text = stamp_text_style(style);
    let left = style.px(6.0) as f32;
    let top = style.px(4.0) as f32;
    Ok(figures
        .iter()
        .zip(&labels)
        .map(|(fig, label)| {
            let mut c = Canvas::new(width, strip + height);
            c.text(label, left, top, &text, HAlign::Left, VAlign::Top);
            let mut img = c.into_image();
            image::imageops::replace(&mut img, fig, 0, strip as i64);
            img
        })
        .collect())
}

/// Height in pixels of the white strip holding the time stamp above each frame of
/// [`render_frames`] (the figure itself starts at this row).
pub fn stamp_strip_height(style: &FigureStyle) -> u32 {
    let m = canvas::measure("t = 0 h", &stamp_text_style(style));
    (style.px(4.0) + m.height() as f64 + style.px(2.0)).ceil() as u32
}

/// The time stamps of an animation at `times_h` (hours), in one unit and with one
/// number of decimals for all frames, so the stamp does not change format mid-way:
/// minutes when the last time is under 2 h, hours up to 72 h, days beyond (with the
/// hours in brackets, since protocols are written in hours). Decimals are the fewest
/// (at most 2) that show every time exactly: `t = 0 h`, `t = 12 h`, …, or
/// `t = 0.5 h`, `t = 1.0 h`, …
pub fn time_stamps(times_h: &[f64]) -> Result<Vec<String>> {
    if let Some(t) = times_h.iter().find(|t| !t.is_finite()) {
        return Err(Error::input(
            "animation",
            format!("frame time {t} h is not finite"),
        ));
    }
    let latest = times_h.iter().map(|t| t.abs()).fold(0.0, f64::max);
    let (scale, unit) = if latest < 2.0 {
        (60.0, "min")
    } else if latest <= 72.0 {
        (1.0, "h")
    } else {
        (1.0 / 24.0, "d")
    };
    let scaled: Vec<f64> = times_h.iter().map(|t| t * scale).collect();
    let decimals = decimals_for(&scaled);
    let hour_decimals = decimals_for(times_h);
    Ok(times_h
        .iter()
        .zip(&scaled)
        .map(|(h, v)| {
            let v = fixed(*v, decimals);
            if unit == "d" {
                format!("t = {v} d ({} h)", fixed(*h, hour_decimals))
            } else {
                format!("t = {v} {unit}")
            }
        })
        .collect())
}

/// `v` with `decimals` decimals, without a minus sign on zero.
fn fixed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// The fewest decimals (up to [`MAX_DECIMALS`]) that write every value exactly.
fn decimals_for(values: &[f64]) -> usize {
    (0..MAX_DECIMALS)
        .find(|&d| {
            let f = 10f64.powi(d as i32);
            values
                .iter()
                .all(|v| ((v * f).round() - v * f).abs() <= 1e-6 * (1.0 + (v * f).abs()))
        })
        .unwrap_or(MAX_DECIMALS)
}

fn stamp_text_style(style: &FigureStyle) -> TextStyle {
    TextStyle {
        size_px: style.px(style.font_pt + 2.0) as f32,
        bold: true,
        colour: BLACK,
    }
}

/// The APNG frame delay `delay_ms` as the fraction of a second an `fcTL` chunk holds
/// (two u16s): exact where it fits, else rounded to 1/100 s, then to whole seconds.
fn delay_fraction(delay_ms: u32) -> Result<(u16, u16)> {
    let gcd = |mut a: u32, mut b: u32| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a.max(1)
    };
    for (num, den) in [
        (delay_ms as f64, 1000u32),
        ((delay_ms as f64 / 10.0).round(), 100),
        ((delay_ms as f64 / 1000.0).round(), 1),
    ] {
        let num = num as u32;
        let g = gcd(num, den);
        if let (Ok(n), Ok(d)) = (u16::try_from(num / g), u16::try_from(den / g)) {
            return Ok((n, d));
        }
    }
    Err(Error::input(
        "--delay",
        format!("a frame delay of {delay_ms} ms is longer than APNG allows (65535 s)"),
    ))
}

/// Encodes `frames` (all the same size) as an 8-bit RGB animated PNG: each frame
/// shown for `delay_ms` milliseconds (0: as fast as the viewer goes), the whole played
/// `loops` times (0: forever), with a pHYs chunk saying `dpi`. The first frame is also
/// the still image that viewers without APNG support show.
pub fn encode_apng(frames: &[RgbImage], delay_ms: u32, loops: u32, dpi: u32) -> Result<Vec<u8>> {
    let Some(first) = frames.first() else {
        return Err(Error::input(
            "animation",
            "an animation needs at least one frame",
        ));
    };
    let (w, h) = first.dimensions();
    if let Some((i, f)) = frames
        .iter()
        .enumerate()
        .find(|(_, f)| f.dimensions() != (w, h))
    {
        return Err(Error::input(
            "animation",
            format!(
                "frame {i} is {}×{} pixels but frame 0 is {w}×{h}",
                f.width(),
                f.height()
            ),
        ));
    }
    let (num, den) = delay_fraction(delay_ms)?;
    let fail = |e: ::png::EncodingError| Error::io("<png encoder>", std::io::Error::other(e));
    let mut bytes = Vec::new();
    {
        let mut enc = ::png::Encoder::new(&mut bytes, w, h);
        enc.set_color(::png::ColorType::Rgb);
        enc.set_depth(::png::BitDepth::Eight);
        let ppm = pixels_per_metre(dpi);
        enc.set_pixel_dims(Some(::png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: ::png::Unit::Meter,
        }));
        let n = u32::try_from(frames.len())
            .map_err(|_| Error::input("animation", "too many frames for an APNG"))?;
        enc.set_animated(n, loops).map_err(fail)?;
        // The IDAT image is frame 0 of the animation, not a separate poster.
        enc.set_sep_def_img(false).map_err(fail)?;
        enc.set_frame_delay(num, den).map_err(fail)?;
        // Every frame covers the whole canvas and replaces it.
        enc.set_blend_op(::png::BlendOp::Source).map_err(fail)?;
        enc.set_dispose_op(::png::DisposeOp::None).map_err(fail)?;
        let mut writer = enc.write_header().map_err(fail)?;
        for f in frames {
            writer.write_image_data(f.as_raw()).map_err(fail)?;
        }
        writer.finish().map_err(fail)?;
    }
    Ok(bytes)
}

/// Writes `frames` to `path` as an APNG that loops forever, each frame shown for
/// `delay_ms`, at `dpi`, atomically (temporary file, then rename).
pub fn write_apng(path: &Path, frames: &[RgbImage], delay_ms: u32, dpi: u32) -> Result<()> {
    let bytes = encode_apng(frames, delay_ms, 0, dpi).map_err(|e| match e {
        Error::Io { source, .. } => Error::io(path, source),
        other => other,
    })?;
    atomic::write(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_share_unit_and_decimals() {
        let s = |t: &[f64]| time_stamps(t).unwrap();
        assert_eq!(s(&[0.0, 12.0, 24.0]), ["t = 0 h", "t = 12 h", "t = 24 h"]);
        assert_eq!(
            s(&[0.0, 0.5, 1.0, 2.5]),
            ["t = 0.0 h", "t = 0.5 h", "t = 1.0 h", "t = 2.5 h"]
        );
        assert_eq!(
            s(&[0.0, 0.25, 0.5]),
            ["t = 0 min", "t = 15 min", "t = 30 min"]
        );
        assert_eq!(
            s(&[0.0, 36.0, 96.0]),
            ["t = 0.0 d (0 h)", "t = 1.5 d (36 h)", "t = 4.0 d (96 h)"]
        );
        assert_eq!(
            s(&[-0.0001, 1.0 / 3.0 * 10.0]),
            ["t = 0.00 h", "t = 3.33 h"]
        );
        assert!(time_stamps(&[f64::NAN]).is_err());
    }

    #[test]
    fn delays_become_exact_fractions() {
        assert_eq!(delay_fraction(500).unwrap(), (1, 2));
        assert_eq!(delay_fraction(40).unwrap(), (1, 25));
        assert_eq!(delay_fraction(333).unwrap(), (333, 1000));
        assert_eq!(delay_fraction(0).unwrap(), (0, 1));
        assert_eq!(delay_fraction(100_000).unwrap(), (100, 1));
        assert_eq!(delay_fraction(100_001).unwrap(), (100, 1));
        assert!(delay_fraction(u32::MAX).is_err());
    }
}
