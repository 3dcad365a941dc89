//! What a chart is drawn on: the PNG canvas and the SVG document behind one trait, so
//! both come from the same layout.

use crate::figures::canvas::{measure, Canvas, Colour, HAlign, TextStyle, VAlign};
use crate::figures::svg::Svg;

/// What a chart is drawn on: a pixel canvas or an SVG document.
pub(super) trait Surface {
    /// The drawn width of a hairline meant to be `px` wide: whole pixels on a canvas,
    /// so axes and grid lines stay crisp; exact in a vector document.
    fn thickness(&self, px: f64) -> f64;
    /// A filled axis-aligned rectangle.
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, c: Colour);
    /// A stroked polyline with round caps.
    fn polyline(
        &mut self,
        points: &[(f64, f64)],
        width: f64,
        c: Colour,
        dash: Option<[f64; 2]>,
        class: Option<&str>,
    );
    /// The area between two polylines with the same x values.
    fn band(&mut self, upper: &[(f64, f64)], lower: &[(f64, f64)], c: Colour);
    /// Text anchored at (x, y); `vertical` reads bottom to top.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        style: &TextStyle,
        h: HAlign,
        v: VAlign,
        vertical: bool,
    );
}

pub(super) struct PngSurface {
    pub(super) canvas: Canvas,
}

impl Surface for PngSurface {
    fn thickness(&self, px: f64) -> f64 {
        px.round().max(1.0)
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, c: Colour) {
        let (x0, y0) = (x.round() as i64, y.round() as i64);
        let (x1, y1) = ((x + w).round() as i64, (y + h).round() as i64);
        self.canvas.fill_rect(x0, y0, x1 - x0, y1 - y0, c);
    }

    fn polyline(
        &mut self,
        points: &[(f64, f64)],
        width: f64,
        c: Colour,
        dash: Option<[f64; 2]>,
        _class: Option<&str>,
    ) {
        let pts: Vec<(f32, f32)> = points.iter().map(|&(x, y)| (x as f32, y as f32)).collect();
        self.canvas.stroke(
            &pts,
            width as f32,
            c,
            dash.map(|[a, b]| [a as f32, b as f32]),
        );
    }

    fn band(&mut self, upper: &[(f64, f64)], lower: &[(f64, f64)], c: Colour) {
        if upper.len() < 2 || lower.len() != upper.len() {
            return;
        }
        let x_start = upper[0].0.round() as i64;
        let x_end = upper[upper.len() - 1].0.round() as i64;
        let mut seg = 0;
        for px in x_start..x_end {
            let xc = px as f64 + 0.5;
            while seg + 2 < upper.len() && upper[seg + 1].0 < xc {
                seg += 1;
            }
            let (xa, xb) = (upper[seg].0, upper[seg + 1].0);
            let t = if xb > xa {
                ((xc - xa) / (xb - xa)).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let top = upper[seg].1 + t * (upper[seg + 1].1 - upper[seg].1);
            let bot = lower[seg].1 + t * (lower[seg + 1].1 - lower[seg].1);
            let (top, bot) = (top.min(bot), top.max(bot));
            for py in top.floor() as i64..bot.ceil() as i64 {
                let cover = (bot.min(py as f64 + 1.0) - top.max(py as f64)).clamp(0.0, 1.0);
                self.canvas.blend(px, py, c, cover as f32);
            }
        }
    }

    fn text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        style: &TextStyle,
        h: HAlign,
        v: VAlign,
        vertical: bool,
    ) {
        if vertical {
            self.canvas
                .text_vertical(text, x as f32, y as f32, style, h, v);
        } else {
            self.canvas.text(text, x as f32, y as f32, style, h, v);
        }
    }
}

pub(super) struct SvgSurface {
    pub(super) svg: Svg,
}

impl Surface for SvgSurface {
    fn thickness(&self, px: f64) -> f64 {
        px
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, c: Colour) {
        self.svg.rect(x, y, w, h, c, None);
    }

    fn polyline(
        &mut self,
        points: &[(f64, f64)],
        width: f64,
        c: Colour,
        dash: Option<[f64; 2]>,
        class: Option<&str>,
    ) {
        self.svg.polyline(points, c, width, dash, class);
    }

    fn band(&mut self, upper: &[(f64, f64)], lower: &[(f64, f64)], c: Colour) {
        let pts: Vec<(f64, f64)> = upper.iter().chain(lower.iter().rev()).copied().collect();
        self.svg.polygon(&pts, c, Some("band"));
    }

    fn text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        style: &TextStyle,
        h: HAlign,
        v: VAlign,
        vertical: bool,
    ) {
        // SVG places text by its baseline; move the anchor there as the canvas does.
        let m = measure(text, style);
        let dy = match v {
            VAlign::Top => m.ascent,
            VAlign::Middle => m.cap_height / 2.0,
            VAlign::Baseline => 0.0,
        } as f64;
        let (bx, by) = if vertical { (x + dy, y) } else { (x, y + dy) };
        self.svg.text(
            text,
            bx,
            by,
            style.size_px as f64,
            style.bold,
            style.colour,
            h,
            vertical,
        );
    }
}
