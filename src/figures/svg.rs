//! A tiny SVG writer: rectangles, lines, polylines, polygons and text, enough for the
//! plots of [`super::plot`], which draw the same layout here and on a
//! [`Canvas`](super::canvas::Canvas) so that the SVG and the PNG look alike.
//!
//! Coordinates are user units (y down); [`Svg::finish`] gives the document a physical
//! size, so one user unit is one point when the layout is made at 72 dpi. Text is
//! written as `<text>` in DejaVu Sans (the font the PNG is drawn with) and stays
//! editable in vector tools.

use super::canvas::{Colour, HAlign};
use std::fmt::Write;

/// An SVG document being written.
#[derive(Debug, Clone)]
pub(crate) struct Svg {
    width: f64,
    height: f64,
    body: String,
}

/// The font family of all text, DejaVu Sans first so that the SVG matches the PNG.
pub(crate) const FONT_FAMILY: &str = "DejaVu Sans, sans-serif";

/// A number with at most two decimals and no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// `#rrggbb`.
pub(crate) fn hex(c: Colour) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// `s` with the five XML special characters escaped.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn points_attr(points: &[(f64, f64)]) -> String {
    let mut s = String::with_capacity(points.len() * 12);
    for (n, &(x, y)) in points.iter().enumerate() {
        if n > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{},{}", num(x), num(y));
    }
    s
}

fn stroke_attrs(colour: Colour, width: f64, dash: Option<[f64; 2]>) -> String {
    let mut s = format!(
        r#"fill="none" stroke="{}" stroke-width="{}" stroke-linecap="round" stroke-linejoin="round""#,
        hex(colour),
        num(width)
    );
    if let Some([on, off]) = dash {
        // Round caps lengthen each dash by the line width here as on the canvas, so
        // the same pattern gives the same look.
        let _ = write!(s, r#" stroke-dasharray="{} {}""#, num(on), num(off));
    }
    s
}

impl Svg {
    /// An empty document of `width × height` user units.
    pub(crate) fn new(width: f64, height: f64) -> Self {
        Svg {
            width,
            height,
            body: String::new(),
        }
    }

    /// A filled rectangle with top-left (x, y), optionally outlined (colour, width).
    /// Drawn with crisp edges, so that abutting rectangles (histogram bars) show no
    /// seams, as on the canvas.
    pub(crate) fn rect(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Colour,
        stroke: Option<(Colour, f64)>,
    ) {
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}" shape-rendering="crispEdges""#,
            num(x),
            num(y),
            num(w),
            num(h),
            hex(fill)
        );
        if let Some((c, width)) = stroke {
            let _ = write!(
                self.body,
                r#" stroke="{}" stroke-width="{}""#,
                hex(c),
                num(width)
            );
        }
        self.body.push_str("/>\n");
    }

    /// An open polyline; `class` marks it for readers of the file (e.g. `series`).
    pub(crate) fn polyline(
        &mut self,
        points: &[(f64, f64)],
        colour: Colour,
        width: f64,
        dash: Option<[f64; 2]>,
        class: Option<&str>,
    ) {
        if points.len() < 2 {
            return;
        }
        let class = class.map_or(String::new(), |c| format!(r#" class="{}""#, escape(c)));
        let _ = writeln!(
            self.body,
            r#"<polyline{class} points="{}" {}/>"#,
            points_attr(points),
            stroke_attrs(colour, width, dash)
        );
    }

    /// A filled closed polygon without outline.
    pub(crate) fn polygon(&mut self, points: &[(f64, f64)], fill: Colour, class: Option<&str>) {
        if points.len() < 3 {
            return;
        }
        let class = class.map_or(String::new(), |c| format!(r#" class="{}""#, escape(c)));
        let _ = writeln!(
            self.body,
            r#"<polygon{class} points="{}" fill="{}"/>"#,
            points_attr(points),
            hex(fill)
        );
    }

    /// Text whose baseline passes through (x, y), placed horizontally by `h`; with
    /// `vertical` it is turned 90° anticlockwise about (x, y) and reads bottom to top.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        size: f64,
        bold: bool,
        colour: Colour,
        h: HAlign,
        vertical: bool,
    ) {
        let anchor = match h {
            HAlign::Left => "start",
            HAlign::Centre => "middle",
            HAlign::Right => "end",
        };
        let weight = if bold { r#" font-weight="bold""# } else { "" };
        let rotate = if vertical {
            format!(r#" transform="rotate(-90 {} {})""#, num(x), num(y))
        } else {
            String::new()
        };
        let fill = if colour == [0, 0, 0] {
            String::new()
        } else {
            format!(r#" fill="{}""#, hex(colour))
        };
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" font-size="{}"{weight}{fill} text-anchor="{anchor}"{rotate}>{}</text>"#,
            num(x),
            num(y),
            num(size),
            escape(text)
        );
    }

    /// The finished document, `width_in × height_in` inches on paper.
    pub(crate) fn finish(self, width_in: f64, height_in: f64) -> String {
        format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "\n",
                r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{}in" height="{}in" viewBox="0 0 {} {}" font-family="{}">"#,
                "\n",
                r#"<rect width="100%" height="100%" fill="white"/>"#,
                "\n{}</svg>\n"
            ),
            num(width_in),
            num(height_in),
            num(self.width),
            num(self.height),
            FONT_FAMILY,
            self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_text_is_escaped() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.256), "1.26");
        assert_eq!(num(-0.001), "0");
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        let mut s = Svg::new(10.0, 5.0);
        s.text(
            "x < 1",
            1.0,
            2.0,
            8.0,
            false,
            [0, 0, 0],
            HAlign::Left,
            false,
        );
        let doc = s.finish(1.0, 0.5);
        assert!(doc.contains("x &lt; 1"), "{doc}");
        assert!(doc.contains(r#"width="1in""#), "{doc}");
    }
}
