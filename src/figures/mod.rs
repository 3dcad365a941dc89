//! Figures for people: colour-mapped slices and projections with a colorbar, a scale
//! bar, isolines and vessel outlines, and montages of several panels with one shared
//! colorbar, written as PNG with their DPI recorded.
//!
//! - `mod@slice`: which 2D picture to take of a 3D field ([`SliceSpec`] → [`Slice2D`]).
//! - `contour`: marching-squares isolines of a slice.
//! - `canvas`: the drawing surface (rectangles, strokes, DejaVu Sans text).
//! - `style`: how a figure looks ([`FigureStyle`]).
//! - `figure`: layout and rendering ([`render_slice`], [`render_montage`]).
//! - `png`: PNG output with a pHYs chunk.
//!
//! Everything is drawn on the CPU and is deterministic, so figures are tested against
//! golden images.

pub mod animate;
pub(crate) mod canvas;
pub(crate) mod contour;
pub mod distance;
pub(crate) mod figure;
pub mod plot;
pub(crate) mod png;
pub(crate) mod slice;
pub(crate) mod style;
pub(crate) mod svg;
pub(crate) mod ticks;

pub use figure::{
    render_montage, render_panel, render_planes, render_slice, Figure, Layout, Panel, Rect,
};
pub use png::{encode_png, write_png};
pub use slice::{extract, vessel_mask, Plane, Projection, Slice2D, SlicePos, SliceSpec};
pub use style::{FigureStyle, LineStyle, PanelSize};
