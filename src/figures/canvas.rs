//! An RGB drawing surface for figures: filled rectangles, anti-aliased (optionally
//! dashed) strokes, and text in the embedded DejaVu Sans.
//!
//! Everything is rasterised on the CPU with fixed arithmetic order, so the same call
//! gives the same pixels on every machine: golden-image tests depend on that. No system
//! fonts are consulted.

use ab_glyph::{Font, FontRef, Glyph, PxScale, ScaleFont};
use image::{Rgb, RgbImage};
use std::sync::OnceLock;

/// An sRGB colour.
pub(crate) type Colour = [u8; 3];

/// Black.
pub(crate) const BLACK: Colour = [0, 0, 0];
/// White.
pub(crate) const WHITE: Colour = [255, 255, 255];

/// Horizontal placement of text relative to the anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HAlign {
    /// The text starts at the anchor.
    Left,
    /// The text is centred on the anchor.
    Centre,
    /// The text ends at the anchor.
    Right,
}

/// Vertical placement of text relative to the anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VAlign {
    /// The font's ascent line is at the anchor (text hangs below it).
    Top,
    /// Half the cap height above the baseline is at the anchor, so digits and
    /// capitals look centred on it (used for tick labels).
    Middle,
    /// The baseline is at the anchor.
    Baseline,
}

/// Size, weight and colour of a run of text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextStyle {
    /// Font size in pixels per em.
    pub(crate) size_px: f32,
    /// DejaVu Sans Bold instead of Regular.
    pub(crate) bold: bool,
    /// Text colour.
    pub(crate) colour: Colour,
}

/// Horizontal and vertical extent of a run of text, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextMetrics {
    /// Advance width of the whole run.
    pub(crate) width: f32,
    /// Ascent above the baseline (positive).
    pub(crate) ascent: f32,
    /// Descent below the baseline (positive).
    pub(crate) descent: f32,
    /// Height of capital letters above the baseline.
    pub(crate) cap_height: f32,
}

impl TextMetrics {
    /// Ascent plus descent: the height of one line.
    pub(crate) fn height(&self) -> f32 {
        self.ascent + self.descent
    }
}

fn font(bold: bool) -> &'static FontRef<'static> {
    static REGULAR: OnceLock<FontRef<'static>> = OnceLock::new();
    static BOLD: OnceLock<FontRef<'static>> = OnceLock::new();
    let (cell, bytes) = if bold {
        (&BOLD, dejavu::sans::bold())
    } else {
        (&REGULAR, dejavu::sans::regular())
    };
    // The font is compiled in from the `dejavu` crate; failing to parse it is a
    // packaging bug, not something a user can cause.
    cell.get_or_init(|| FontRef::try_from_slice(bytes).expect("embedded DejaVu Sans parses"))
}

/// ab_glyph scales by ascent − descent; convert an em size to that.
fn px_scale(f: &FontRef<'static>, size_px: f32) -> PxScale {
    let upem = f.units_per_em().unwrap_or(2048.0);
    PxScale::from(size_px * f.height_unscaled() / upem)
}

/// Measures `text` at `style` without drawing it.
pub(crate) fn measure(text: &str, style: &TextStyle) -> TextMetrics {
    let f = font(style.bold);
    let sf = f.as_scaled(px_scale(f, style.size_px));
    let mut width = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            width += sf.kern(p, id);
        }
        width += sf.h_advance(id);
        prev = Some(id);
    }
    let upem = f.units_per_em().unwrap_or(2048.0);
    let cap = f
        .outline(f.glyph_id('H'))
        // 'H' sits on the baseline, so its outline's height is the cap height.
        .map(|o| o.bounds.height().abs())
        .unwrap_or(0.73 * upem);
    TextMetrics {
        width,
        ascent: sf.ascent(),
        descent: -sf.descent(),
        cap_height: cap / upem * style.size_px,
    }
}

/// Coverage of a rasterised run of text, baseline at row `baseline`.
struct TextMask {
    w: usize,
    h: usize,
    cov: Vec<f32>,
    /// Offset of the anchor point (pen start, baseline) inside the mask.
    origin: (f32, f32),
}

fn rasterise(text: &str, style: &TextStyle) -> TextMask {
    let f = font(style.bold);
    let sf = f.as_scaled(px_scale(f, style.size_px));
    let m = measure(text, style);
    let pad = 2.0;
    let w = (m.width + 2.0 * pad).ceil().max(1.0) as usize;
    let h = (m.height() + 2.0 * pad).ceil().max(1.0) as usize;
    let origin = (pad, (pad + m.ascent).round());
    let mut cov = vec![0.0f32; w * h];
    let mut x = origin.0;
    let mut prev = None;
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            x += sf.kern(p, id);
        }
        let glyph: Glyph = id.with_scale_and_position(sf.scale(), ab_glyph::point(x, origin.1));
        x += sf.h_advance(id);
        prev = Some(id);
        if let Some(og) = f.outline_glyph(glyph) {
            let b = og.px_bounds();
            og.draw(|gx, gy, c| {
                let px = b.min.x as i64 + gx as i64;
                let py = b.min.y as i64 + gy as i64;
                if px >= 0 && py >= 0 && (px as usize) < w && (py as usize) < h {
                    let k = py as usize * w + px as usize;
                    cov[k] = (cov[k] + c).min(1.0);
                }
            });
        }
    }
    TextMask { w, h, cov, origin }
}

/// Offset from the anchor to the pen start (baseline), in the text's own frame.
fn align_offset(m: &TextMetrics, h: HAlign, v: VAlign) -> (f32, f32) {
    let dx = match h {
        HAlign::Left => 0.0,
        HAlign::Centre => -m.width / 2.0,
        HAlign::Right => -m.width,
    };
    let dy = match v {
        VAlign::Top => m.ascent,
        VAlign::Middle => m.cap_height / 2.0,
        VAlign::Baseline => 0.0,
    };
    (dx, dy)
}

/// An RGB image being drawn on, white to start with.
#[derive(Debug, Clone)]
pub(crate) struct Canvas {
    img: RgbImage,
}

impl Canvas {
    /// A white canvas of `width × height` pixels.
    pub(crate) fn new(width: u32, height: u32) -> Self {
        Canvas {
            img: RgbImage::from_pixel(width, height, Rgb(WHITE)),
        }
    }

    /// The finished image.
    pub(crate) fn into_image(self) -> RgbImage {
        self.img
    }

    /// The pixel at (x, y), if inside.
    pub(crate) fn get(&self, x: i64, y: i64) -> Option<Colour> {
        self.inside(x, y)
            .then(|| self.img.get_pixel(x as u32, y as u32).0)
    }

    fn inside(&self, x: i64, y: i64) -> bool {
        x >= 0 && y >= 0 && x < self.img.width() as i64 && y < self.img.height() as i64
    }

    /// Sets pixel (x, y); outside pixels are ignored.
    pub(crate) fn put(&mut self, x: i64, y: i64, c: Colour) {
        if self.inside(x, y) {
            self.img.put_pixel(x as u32, y as u32, Rgb(c));
        }
    }

    /// Mixes `c` into pixel (x, y) with opacity `alpha` in [0, 1].
    pub(crate) fn blend(&mut self, x: i64, y: i64, c: Colour, alpha: f32) {
        if !self.inside(x, y) || alpha <= 0.0 {
            return;
        }
        let a = alpha.min(1.0);
        let p = self.img.get_pixel_mut(x as u32, y as u32);
        for (dst, &src) in p.0.iter_mut().zip(&c) {
            *dst = (*dst as f32 * (1.0 - a) + src as f32 * a).round() as u8;
        }
    }

    /// Fills the rectangle with top-left (x, y) and size w × h (clipped).
    pub(crate) fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: Colour) {
        let (x0, y0) = (x.max(0), y.max(0));
        let x1 = (x + w).min(self.img.width() as i64);
        let y1 = (y + h).min(self.img.height() as i64);
        for yy in y0..y1 {
            for xx in x0..x1 {
                self.img.put_pixel(xx as u32, yy as u32, Rgb(c));
            }
        }
    }

    /// Draws the outline of a rectangle with a border `t` pixels thick inside it.
    pub(crate) fn stroke_rect(&mut self, x: i64, y: i64, w: i64, h: i64, t: i64, c: Colour) {
        self.fill_rect(x, y, w, t, c);
        self.fill_rect(x, y + h - t, w, t, c);
        self.fill_rect(x, y, t, h, c);
        self.fill_rect(x + w - t, y, t, h, c);
    }

    /// Strokes a polyline (pixel coordinates, y down) `width` pixels wide with round
    /// caps and anti-aliased edges. With `dash = Some([on, off])` (pixels) the pattern
    /// runs continuously along the whole polyline.
    pub(crate) fn stroke(
        &mut self,
        points: &[(f32, f32)],
        width: f32,
        c: Colour,
        dash: Option<[f32; 2]>,
    ) {
        let pieces = match dash {
            Some([on, off]) if on > 0.0 && off > 0.0 => dash_pieces(points, on, off),
            _ => points.windows(2).map(|p| (p[0], p[1])).collect(),
        };
        if pieces.is_empty() {
            return;
        }
        let r = width / 2.0 + 1.0;
        let (mut xmin, mut ymin, mut xmax, mut ymax) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for &(a, b) in &pieces {
            xmin = xmin.min(a.0.min(b.0));
            ymin = ymin.min(a.1.min(b.1));
            xmax = xmax.max(a.0.max(b.0));
            ymax = ymax.max(a.1.max(b.1));
        }
        let x0 = ((xmin - r).floor() as i64).max(0);
        let y0 = ((ymin - r).floor() as i64).max(0);
        let x1 = ((xmax + r).ceil() as i64).min(self.img.width() as i64);
        let y1 = ((ymax + r).ceil() as i64).min(self.img.height() as i64);
        if x1 <= x0 || y1 <= y0 {
            return;
        }
        let bw = (x1 - x0) as usize;
        // One coverage buffer for the whole polyline, combined with max, so joints are
        // not painted twice.
        let mut cov = vec![0.0f32; bw * (y1 - y0) as usize];
        for &(a, b) in &pieces {
            let px0 = ((a.0.min(b.0) - r).floor() as i64).max(x0);
            let px1 = ((a.0.max(b.0) + r).ceil() as i64).min(x1);
            let py0 = ((a.1.min(b.1) - r).floor() as i64).max(y0);
            let py1 = ((a.1.max(b.1) + r).ceil() as i64).min(y1);
            for py in py0..py1 {
                for px in px0..px1 {
                    let d = dist_to_segment((px as f32 + 0.5, py as f32 + 0.5), a, b);
                    let k = (py - y0) as usize * bw + (px - x0) as usize;
                    cov[k] = cov[k].max((width / 2.0 + 0.5 - d).clamp(0.0, 1.0));
                }
            }
        }
        for (k, &a) in cov.iter().enumerate() {
            let (px, py) = (x0 + (k % bw) as i64, y0 + (k / bw) as i64);
            self.blend(px, py, c, a);
        }
    }

    /// Draws `text` with its anchor at (x, y).
    pub(crate) fn text(
        &mut self,
        text: &str,
        x: f32,
        y: f32,
        style: &TextStyle,
        h: HAlign,
        v: VAlign,
    ) {
        let m = measure(text, style);
        let (dx, dy) = align_offset(&m, h, v);
        let mask = rasterise(text, style);
        // Snap the pen position to whole pixels so a label's look does not depend on
        // where it lands.
        let ox = (x + dx - mask.origin.0).round() as i64;
        let oy = (y + dy - mask.origin.1).round() as i64;
        for my in 0..mask.h {
            for mx in 0..mask.w {
                let a = mask.cov[my * mask.w + mx];
                self.blend(ox + mx as i64, oy + my as i64, style.colour, a);
            }
        }
    }

    /// Draws `text` rotated 90° anticlockwise (reading bottom to top), as on a vertical
    /// axis label. `h` and `v` are in the text's own frame: `HAlign::Centre` centres it
    /// vertically on `y`; `VAlign::Top` puts its ascent line at `x` (text to the right).
    pub(crate) fn text_vertical(
        &mut self,
        text: &str,
        x: f32,
        y: f32,
        style: &TextStyle,
        h: HAlign,
        v: VAlign,
    ) {
        let m = measure(text, style);
        let (dx, dy) = align_offset(&m, h, v);
        let mask = rasterise(text, style);
        // Text frame (u right, w down) maps to canvas (x, y) = (anchor.x + w, anchor.y - u).
        let ou = dx - mask.origin.0;
        let ow = dy - mask.origin.1;
        let ax = (x + ow).round() as i64;
        let ay = (y - ou).round() as i64;
        for my in 0..mask.h {
            for mx in 0..mask.w {
                let a = mask.cov[my * mask.w + mx];
                self.blend(ax + my as i64, ay - mx as i64, style.colour, a);
            }
        }
    }
}

fn dist_to_segment(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let len2 = vx * vx + vy * vy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * vx + (p.1 - a.1) * vy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (dx, dy) = (p.0 - (a.0 + t * vx), p.1 - (a.1 + t * vy));
    (dx * dx + dy * dy).sqrt()
}

/// Splits a polyline into the "on" pieces of an on/off dash pattern.
fn dash_pieces(points: &[(f32, f32)], on: f32, off: f32) -> Vec<((f32, f32), (f32, f32))> {
    let period = on + off;
    let mut pieces = Vec::new();
    let mut s = 0.0f32; // arc length at the start of the current segment
    for p in points.windows(2) {
        let (a, b) = (p[0], p[1]);
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        if len <= 0.0 {
            continue;
        }
        let at = |t: f32| (a.0 + (b.0 - a.0) * t / len, a.1 + (b.1 - a.1) * t / len);
        // Walk the dash periods that overlap [s, s + len].
        let mut k = (s / period).floor();
        while k * period < s + len {
            let d0 = (k * period - s).max(0.0);
            let d1 = (k * period + on - s).min(len);
            if d1 > d0 {
                pieces.push((at(d0), at(d1)));
            }
            k += 1.0;
        }
        s += len;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_drawn_where_anchored_and_measures_sensibly() {
        let style = TextStyle {
            size_px: 20.0,
            bold: false,
            colour: BLACK,
        };
        let m = measure("100", &style);
        // DejaVu digits advance 0.636 em.
        assert!((m.width - 3.0 * 0.636 * 20.0).abs() < 0.5, "{m:?}");
        assert!((m.cap_height - 0.729 * 20.0).abs() < 0.3, "{m:?}");
        let mut c = Canvas::new(100, 40);
        c.text("100", 10.0, 30.0, &style, HAlign::Left, VAlign::Baseline);
        let dark: Vec<(u32, u32)> = (0..40)
            .flat_map(|y| (0..100).map(move |x| (x, y)))
            .filter(|&(x, y)| c.get(x as i64, y as i64).unwrap()[0] < 128)
            .collect();
        let xmax = dark.iter().map(|p| p.0).max().unwrap();
        let xmin = dark.iter().map(|p| p.0).min().unwrap();
        let ymax = dark.iter().map(|p| p.1).max().unwrap();
        let ymin = dark.iter().map(|p| p.1).min().unwrap();
        assert!(
            (10..=13).contains(&xmin) && xmax <= 10 + m.width as u32,
            "{xmin} {xmax}"
        );
        assert!(
            ymax <= 30 && ymin >= 30 - m.cap_height as u32 - 1,
            "{ymin} {ymax}"
        );
    }

    #[test]
    fn dashes_cover_about_the_on_fraction() {
        let pieces = dash_pieces(&[(0.0, 0.0), (52.0, 0.0), (100.0, 0.0)], 6.0, 4.0);
        let on: f32 = pieces.iter().map(|(a, b)| b.0 - a.0).sum();
        assert!((on - 60.0).abs() < 1e-3, "{on}");
        // The dash over [50, 56] continues across the joint at x = 52 instead of
        // the pattern restarting there.
        assert!(pieces.iter().any(|(a, b)| a.0 == 50.0 && b.0 == 52.0));
        assert!(pieces.iter().any(|(a, b)| a.0 == 52.0 && b.0 == 56.0));
    }
}
