//! Figure layout and rendering: colour-mapped panels with a vertical colorbar, a scale
//! bar, isolines, vessel outlines and titles; one panel or a montage sharing one
//! colorbar and fixed limits.
//!
//! Sizes of text, lines and gaps are given in points (1/72 inch) and turned into pixels
//! with the figure's DPI, so a figure keeps its proportions at any resolution. Panels
//! are upsampled nearest-neighbour: every voxel stays a visible square, and nothing is
//! smoothed that the simulation did not compute.

use super::canvas::{self, Canvas, Colour, HAlign, TextStyle, VAlign, BLACK, WHITE};
use super::contour;
use super::slice::{extract, Projection, Slice2D, SliceSpec};
use super::style::{FigureStyle, LineStyle, PanelSize};
use super::ticks;
use crate::grid::Grid;
use crate::{Error, Result};
use image::RgbImage;

/// One panel's data: a slice, an optional vessel mask on the same lattice, a title.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Shown above the panel in a montage.
    pub(crate) title: Option<String>,
    /// The values to colour-map.
    pub slice: Slice2D,
    /// A 0/1 mask on the same lattice whose 0.5 contour is drawn as vessel outlines.
    pub(crate) vessels: Option<Slice2D>,
}

impl Panel {
    /// Takes `spec` of `field`; with `vessel_mask` (a 0/1 field on the same grid) also
    /// the vessel outlines. For projections the mask is max-projected, so every vessel
    /// along the line of sight is outlined.
    pub fn from_field(
        field: &[f32],
        grid: &Grid,
        spec: &SliceSpec,
        vessel_mask: Option<&[f32]>,
    ) -> Result<Self> {
        let slice = extract(field, grid, spec)?;
        let vessels = match vessel_mask {
            Some(mask) => {
                let mut s = *spec;
                if s.projection.is_some() {
                    s.projection = Some(Projection::Max);
                }
                Some(extract(mask, grid, &s).map_err(|e| match e {
                    Error::Input { message, .. } => Error::input("vessel mask", message),
                    other => other,
                })?)
            }
            None => None,
        };
        Ok(Panel {
            title: None,
            slice,
            vessels,
        })
    }

    /// The panel with its axes swapped (the second axis left to right, the first
    /// bottom to top), vessel outlines too; the caption's plane name is reversed
    /// (`yz, x = 45 µm` → `zy, x = 45 µm`) and so is a title that was the caption.
    pub(crate) fn transposed(self) -> Self {
        let turn = |s: Slice2D| -> Slice2D {
            let mut values = Vec::with_capacity(s.values.len());
            for u in 0..s.w {
                for v in 0..s.h {
                    values.push(s.get(u, v));
                }
            }
            let caption = match s.caption.split_once(',') {
                Some((plane, rest)) if plane.len() == 2 => {
                    format!("{}{},{rest}", &plane[1..], &plane[..1])
                }
                _ => s.caption.clone(),
            };
            Slice2D {
                w: s.h,
                h: s.w,
                values,
                spacing_um: s.spacing_um,
                caption,
            }
        };
        // A title that was the caption follows it.
        let old_caption = self.slice.caption.clone();
        let slice = turn(self.slice);
        Panel {
            title: self.title.map(|t| {
                if t == old_caption {
                    slice.caption.clone()
                } else {
                    t
                }
            }),
            vessels: self.vessels.map(turn),
            slice,
        }
    }

    /// The same panel with a title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

/// A rectangle in image pixels (top-left corner, size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x: i64,
    /// Top edge.
    pub y: i64,
    /// Width.
    pub w: i64,
    /// Height.
    pub h: i64,
}

/// A labelled colorbar tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Field value.
    pub value: f64,
    /// Image y of the value on the colorbar (pixel-edge coordinates: `y = top` is the
    /// top edge of the bar, the high limit).
    pub y: f64,
    /// The label drawn.
    pub label: String,
}

/// Where the scale bar was drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleBar {
    /// The bar's rectangle.
    pub rect: Rect,
    /// The length it stands for (µm).
    pub length_um: f64,
    /// Its label, e.g. `50 µm`.
    pub label: String,
    /// Its colour (black or white, whichever reads on the panel beneath).
    pub colour: Colour,
}

/// Where things ended up, for callers and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Each panel's image rectangle, in input order.
    pub panels: Vec<Rect>,
    /// Image pixels per µm in every panel.
    pub(crate) px_per_um: f64,
    /// The colour ramp of the colorbar (inside its frame).
    pub colorbar: Rect,
    /// Colorbar ticks, low to high.
    pub ticks: Vec<Tick>,
    /// The scale bar, if drawn.
    pub scale_bar: Option<ScaleBar>,
}

/// A rendered figure and its layout.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The picture.
    pub image: RgbImage,
    /// Where its parts are.
    pub layout: Layout,
}

/// Renders `spec` of `field` as one panel with colorbar, scale bar, isolines, vessel
/// outlines (from the 0/1 `vessel_mask`, if given) and `style.title`.
pub fn render_slice(
    field: &[f32],
    grid: &Grid,
    spec: &SliceSpec,
    vessel_mask: Option<&[f32]>,
    style: &FigureStyle,
) -> Result<Figure> {
    let panel = Panel::from_field(field, grid, spec, vessel_mask)?;
    render_panel(&panel, style)
}

/// Renders one panel; its own title, if any, is drawn above it, `style.title` above all.
pub fn render_panel(panel: &Panel, style: &FigureStyle) -> Result<Figure> {
    render(
        std::slice::from_ref(panel),
        &Cells::rows(1, 1),
        style,
        style.title.as_deref(),
    )
}

/// Renders `panels` in a grid of `columns`, row by row, at one physical scale, with
/// each panel's title above it, one shared colorbar for `style.limits`, one scale bar
/// (on the first panel) and `overall_title` above everything.
pub fn render_montage(
    panels: &[Panel],
    columns: usize,
    style: &FigureStyle,
    overall_title: Option<&str>,
) -> Result<Figure> {
    if panels.is_empty() {
        return Err(Error::input(
            "--panels",
            "a figure needs at least one panel",
        ));
    }
    let cells = Cells::rows(panels.len(), columns.clamp(1, panels.len()));
    render(panels, &cells, style, overall_title)
}

/// The three centre planes as orthogonal views, one physical scale: xy at the top
/// left, zy (the yz plane turned so that y runs up beside xy's y) to its right, xz
/// (x under xy's x) below it; the corner below zy stays empty. Unlike a row of three
/// panels this leaves no blank band under the flat xz and yz panels of a block
/// thinner in z than across.
pub fn render_planes(
    xy: Panel,
    xz: Panel,
    yz: Panel,
    style: &FigureStyle,
    overall_title: Option<&str>,
) -> Result<Figure> {
    let zy = yz.transposed();
    let cells = Cells {
        at: vec![(0, 0), (1, 0), (0, 1)],
        uniform: false,
    };
    render(&[xy, zy, xz], &cells, style, overall_title)
}

/// Where each panel of a figure goes: (column, row) of a grid.
struct Cells {
    at: Vec<(usize, usize)>,
    /// Every cell as wide as the widest panel and as tall as the tallest (a montage);
    /// else each column as wide as its widest panel and each row as tall as its
    /// tallest (orthogonal views).
    uniform: bool,
}

impl Cells {
    /// `n` panels row by row, `columns` per row, in equal cells.
    fn rows(n: usize, columns: usize) -> Self {
        Cells {
            at: (0..n).map(|i| (i % columns, i / columns)).collect(),
            uniform: true,
        }
    }
}

/// Text sizes and gaps in pixels for one figure.
struct Metrics {
    margin: f64,
    tick: TextStyle,
    label: TextStyle,
    title: TextStyle,
    frame: i64,
}

fn render(
    panels: &[Panel],
    cells: &Cells,
    style: &FigureStyle,
    title: Option<&str>,
) -> Result<Figure> {
    style.check()?;
    if panels.is_empty() {
        return Err(Error::input(
            "--panels",
            "a figure needs at least one panel",
        ));
    }
    for p in panels {
        if p.slice.w == 0 || p.slice.h == 0 || p.slice.values.len() != p.slice.w * p.slice.h {
            return Err(Error::input(
                "panel",
                format!("slice `{}` is empty or misshapen", p.slice.caption),
            ));
        }
    }
    let columns = cells.at.iter().map(|c| c.0 + 1).max().unwrap_or(1);
    let rows = cells.at.iter().map(|c| c.1 + 1).max().unwrap_or(1);
    let text = |pt: f64, bold: bool| TextStyle {
        size_px: style.px(pt) as f32,
        bold,
        colour: BLACK,
    };
    let m = Metrics {
        margin: style.px(6.0),
        tick: text(style.font_pt, false),
        label: text(style.font_pt + 1.0, false),
        title: text(style.font_pt + 2.0, true),
        frame: style.px(0.8).round().max(1.0) as i64,
    };

    // One physical scale for every panel.
    let widest_um = panels
        .iter()
        .map(|p| p.slice.extent_um().0)
        .fold(0.0, f64::max);
    let px_per_um = match style.panel {
        PanelSize::PixelsPerVoxel(p) => p / panels[0].slice.spacing_um,
        PanelSize::WidthInches(w) => (w * style.dpi as f64).round() / widest_um,
    };
    let size_px = |p: &Panel| {
        let (wu, hu) = p.slice.extent_um();
        (
            ((wu * px_per_um).round() as i64).max(1),
            ((hu * px_per_um).round() as i64).max(1),
        )
    };
    // Column widths and row heights.
    let mut col_w = vec![1i64; columns];
    let mut cell_h = vec![1i64; rows];
    for (p, &(c, r)) in panels.iter().zip(&cells.at) {
        let (w, h) = size_px(p);
        col_w[c] = col_w[c].max(w);
        cell_h[r] = cell_h[r].max(h);
    }
    if cells.uniform {
        let (w, h) = (col_w.iter().max().copied(), cell_h.iter().max().copied());
        col_w.fill(w.unwrap_or(1));
        cell_h.fill(h.unwrap_or(1));
    }

    // Vertical budget.
    let title_h = title.map_or(0.0, |_| {
        canvas::measure("Ag", &m.title).height() as f64 + style.px(4.0)
    });
    let any_panel_title = panels.iter().any(|p| p.title.is_some());
    let ptitle_h = if any_panel_title {
        canvas::measure("Ag", &m.label).height() as f64 + style.px(2.0)
    } else {
        0.0
    };
    let gap_x = style.px(8.0).round() as i64;
    let gap_y = style.px(6.0).round() as i64;
    let row_h: Vec<i64> = cell_h.iter().map(|h| ptitle_h.round() as i64 + h).collect();
    let top = (m.margin + title_h).round() as i64;
    let left = m.margin.round() as i64;
    let grid_w = col_w.iter().sum::<i64>() + (columns as i64 - 1) * gap_x;
    let grid_h = row_h.iter().sum::<i64>() + (rows as i64 - 1) * gap_y;
    // Left edge of each column and top of each row.
    let col_x: Vec<i64> = (0..columns)
        .map(|c| left + col_w[..c].iter().sum::<i64>() + c as i64 * gap_x)
        .collect();
    let row_y: Vec<i64> = (0..rows)
        .map(|r| top + row_h[..r].iter().sum::<i64>() + r as i64 * gap_y)
        .collect();

    // Colorbar: spans the panel rows (not their titles).
    let [lo, hi] = style.limits;
    let tick_values = ticks::nice_ticks(lo, hi);
    let tick_labels = ticks::tick_labels(&tick_values);
    let max_label_w = tick_labels
        .iter()
        .map(|l| canvas::measure(l, &m.tick).width as f64)
        .fold(0.0, f64::max);
    let cb_label = style.colorbar_label();
    let cb_label_m = canvas::measure(&cb_label, &m.label);
    let cb_x = left + grid_w + style.px(10.0).round() as i64;
    let cb_w = style.px(9.0).round() as i64;
    let cb_y = top + ptitle_h.round() as i64;
    // At least as tall as its label, so that short panels (an xz slice of a flat
    // block) keep a readable colorbar.
    let cb_h = (grid_h - ptitle_h.round() as i64)
        .max(cb_label_m.width as i64 + style.px(8.0).round() as i64);
    let tick_len = style.px(3.0).round() as i64;
    let tick_gap = style.px(2.0);
    let label_x = (cb_x + cb_w + tick_len) as f64 + tick_gap + max_label_w + style.px(5.0);
    // Wide enough for the title too (a long scenario name over a small grid).
    let title_w = title.map_or(0.0, |t| canvas::measure(t, &m.title).width as f64);
    let width = (label_x + cb_label_m.height() as f64 + m.margin)
        .max(title_w + 2.0 * m.margin)
        .ceil() as i64;
    // Room below for the descenders of the lowest tick label.
    let height = (top + grid_h.max(ptitle_h.round() as i64 + cb_h)) as f64
        + m.margin
            .max(canvas::measure("0", &m.tick).cap_height as f64 / 2.0);
    let mut c = Canvas::new(width as u32, height.ceil() as u32);

    // Title, centred over the panels.
    if let Some(t) = title {
        // Over the panels, moved right just enough to stay on the canvas.
        let mid = (left as f64 + grid_w as f64 / 2.0).max(m.margin + title_w / 2.0);
        c.text(
            t,
            mid as f32,
            m.margin as f32,
            &m.title,
            HAlign::Centre,
            VAlign::Top,
        );
    }

    // Panels.
    let mut rects = Vec::new();
    for (p, &(col, row)) in panels.iter().zip(&cells.at) {
        let (pw, ph) = size_px(p);
        let x = col_x[col] + (col_w[col] - pw) / 2;
        let y0 = row_y[row];
        let y = y0 + ptitle_h.round() as i64;
        let r = Rect { x, y, w: pw, h: ph };
        if let Some(t) = &p.title {
            let cx = x as f64 + pw as f64 / 2.0;
            c.text(
                t,
                cx as f32,
                y0 as f32,
                &m.label,
                HAlign::Centre,
                VAlign::Top,
            );
        }
        draw_field(&mut c, &p.slice, r, style);
        for (level, ls) in &style.contours {
            draw_isolines(&mut c, &p.slice, *level, r, ls, style);
        }
        if let Some(v) = &p.vessels {
            draw_isolines(&mut c, v, 0.5, r, &style.vessel_outline, style);
        }
        c.stroke_rect(
            r.x - m.frame,
            r.y - m.frame,
            r.w + 2 * m.frame,
            r.h + 2 * m.frame,
            m.frame,
            BLACK,
        );
        rects.push(r);
    }

    let scale_bar = style
        .scale_bar
        .then(|| draw_scale_bar(&mut c, rects[0], px_per_um, &m, style));

    // Colorbar ramp, top = high limit.
    for row in 0..cb_h {
        let t = 1.0 - (row as f64 + 0.5) / cb_h as f64;
        c.fill_rect(cb_x, cb_y + row, cb_w, 1, style.colormap.rgb(t as f32));
    }
    // Contour levels on the bar, in their own line style: the bar is their legend.
    for (level, ls) in &style.contours {
        if *level > lo && *level < hi {
            let y = cb_y as f64 + (1.0 - (level - lo) / (hi - lo)) * cb_h as f64;
            let pts = [(cb_x as f32, y as f32), ((cb_x + cb_w) as f32, y as f32)];
            let dash = ls
                .dash
                .map(|[a, b]| [style.px(a) as f32, style.px(b) as f32]);
            c.stroke(&pts, style.px(ls.width_pt) as f32, ls.colour, dash);
        }
    }
    c.stroke_rect(
        cb_x - m.frame,
        cb_y - m.frame,
        cb_w + 2 * m.frame,
        cb_h + 2 * m.frame,
        m.frame,
        BLACK,
    );
    let mut ticks_out = Vec::new();
    for (v, label) in tick_values.iter().zip(tick_labels) {
        let y = cb_y as f64 + (1.0 - (v - lo) / (hi - lo)) * cb_h as f64;
        let yi = (y - m.frame as f64 / 2.0).round() as i64;
        c.fill_rect(cb_x + cb_w, yi, tick_len + m.frame, m.frame, BLACK);
        let tx = (cb_x + cb_w + m.frame + tick_len) as f64 + tick_gap;
        c.text(
            &label,
            tx as f32,
            y as f32,
            &m.tick,
            HAlign::Left,
            VAlign::Middle,
        );
        ticks_out.push(Tick {
            value: *v,
            y,
            label,
        });
    }
    let cb_mid = cb_y as f64 + cb_h as f64 / 2.0;
    c.text_vertical(
        &cb_label,
        label_x as f32,
        cb_mid as f32,
        &m.label,
        HAlign::Centre,
        VAlign::Top,
    );

    Ok(Figure {
        image: c.into_image(),
        layout: Layout {
            panels: rects,
            px_per_um,
            colorbar: Rect {
                x: cb_x,
                y: cb_y,
                w: cb_w,
                h: cb_h,
            },
            ticks: ticks_out,
            scale_bar,
        },
    })
}

const NAN_GREY: Colour = [200, 200, 200];

fn draw_field(c: &mut Canvas, s: &Slice2D, r: Rect, style: &FigureStyle) {
    let [lo, hi] = style.limits;
    for py in 0..r.h {
        // Nearest neighbour: the voxel whose span contains the pixel centre.
        let vt = (((py as f64 + 0.5) / r.h as f64) * s.h as f64) as usize;
        let v = s.h - 1 - vt.min(s.h - 1);
        for px in 0..r.w {
            let u = ((((px as f64 + 0.5) / r.w as f64) * s.w as f64) as usize).min(s.w - 1);
            let value = s.get(u, v);
            let colour = if value.is_nan() {
                NAN_GREY
            } else {
                style.colormap.rgb(((value as f64 - lo) / (hi - lo)) as f32)
            };
            c.put(r.x + px, r.y + py, colour);
        }
    }
}

fn draw_isolines(
    c: &mut Canvas,
    s: &Slice2D,
    level: f64,
    r: Rect,
    ls: &LineStyle,
    style: &FigureStyle,
) {
    let (sx, sy) = (r.w as f32 / s.w as f32, r.h as f32 / s.h as f32);
    let dash = ls
        .dash
        .map(|[a, b]| [style.px(a) as f32, style.px(b) as f32]);
    for line in contour::polylines(s, level as f32) {
        let pts: Vec<(f32, f32)> = line
            .iter()
            .map(|&(x, y)| (r.x as f32 + x * sx, (r.y + r.h) as f32 - y * sy))
            .collect();
        c.stroke(&pts, style.px(ls.width_pt) as f32, ls.colour, dash);
    }
}

/// Relative luminance of an sRGB colour (0–255 scale, Rec. 709 weights on the
/// encoded values: enough to choose black or white text).
fn luma(c: Colour) -> f64 {
    0.2126 * c[0] as f64 + 0.7152 * c[1] as f64 + 0.0722 * c[2] as f64
}

fn draw_scale_bar(
    c: &mut Canvas,
    panel: Rect,
    px_per_um: f64,
    m: &Metrics,
    style: &FigureStyle,
) -> ScaleBar {
    let width_um = panel.w as f64 / px_per_um;
    let length_um = ticks::round_length(0.2 * width_um);
    let len_px = (length_um * px_per_um).round() as i64;
    let label = ticks::length_label(length_um);
    let inset = style.px(5.0).round() as i64;
    let thick = style.px(2.5).round().max(2.0) as i64;
    let bar = Rect {
        x: panel.x + inset,
        y: panel.y + panel.h - inset - thick,
        w: len_px,
        h: thick,
    };
    let lm = canvas::measure(&label, &m.tick);
    let label_base = bar.y as f64 - style.px(2.0);
    // Pick black or white by what lies beneath the bar and its label.
    let (x0, x1) = (bar.x, bar.x + len_px.max(lm.width.ceil() as i64));
    let y0 = (label_base - lm.ascent as f64) as i64;
    let mut sum = 0.0;
    let mut n = 0.0;
    for y in y0..bar.y + bar.h {
        for x in x0..x1 {
            if let Some(p) = c.get(x, y) {
                sum += luma(p);
                n += 1.0;
            }
        }
    }
    let colour = if n > 0.0 && sum / n > 140.0 {
        BLACK
    } else {
        WHITE
    };
    // A translucent backing of the opposite colour under the bar and its label, so
    // that isolines and vessel outlines crossing the corner do not run through the
    // text (issue 23.7).
    let backing = if colour == BLACK { WHITE } else { BLACK };
    let pad = style.px(2.0).round() as i64;
    for y in y0 - pad..bar.y + bar.h + pad {
        for x in x0 - pad..x1 + pad {
            if panel.x <= x && x < panel.x + panel.w && panel.y <= y && y < panel.y + panel.h {
                c.blend(x, y, backing, 0.55);
            }
        }
    }
    c.fill_rect(bar.x, bar.y, bar.w, bar.h, colour);
    let ts = TextStyle { colour, ..m.tick };
    // Centred on the bar, but never starting left of it (a label wider than a short
    // bar would otherwise run into the panel's frame).
    let cx = (bar.x as f64 + len_px as f64 / 2.0).max(bar.x as f64 + lm.width as f64 / 2.0);
    c.text(
        &label,
        cx as f32,
        label_base as f32,
        &ts,
        HAlign::Centre,
        VAlign::Baseline,
    );
    ScaleBar {
        rect: bar,
        length_um,
        label,
        colour,
    }
}
