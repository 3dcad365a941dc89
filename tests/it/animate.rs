//! Animations (issue 8): an APNG of a few synthetic frames decodes as an animation with
//! the frame count, loop count, delays and pixels it was given, and every frame carries
//! its own time stamp above an untouched figure.
//!
//! Set `OXYFIELD_FIGURE_EXAMPLES=DIR` to also write an example animation (`anim.png`)
//! and its frames (`anim_frame_N.png`) to DIR.

use image::RgbImage;
use oxyfield::figures::animate::{
    encode_apng, render_frames, stamp_strip_height, time_stamps, write_apng,
};
use oxyfield::figures::{render_panel, write_png, FigureStyle, Panel, Plane, SliceSpec};
use oxyfield::grid::Grid;
use std::io::Cursor;
use std::path::PathBuf;

/// Frame times (h) of the synthetic run.
const TIMES_H: [f64; 4] = [0.0, 12.0, 24.0, 36.0];

/// A Gaussian blob of pO2 (peak 90 mmHg) in the middle of a 16×12×6 block whose
/// width shrinks with time, one centre xy panel per entry of [`TIMES_H`].
fn shrinking_blob() -> Vec<(f64, Panel)> {
    let g = Grid::from_shape_zyx([6, 12, 16], 10.0);
    let c = [8.0, 6.0, 3.0];
    TIMES_H
        .iter()
        .map(|&t| {
            let sigma = 4.0 - 0.08 * t; // voxels
            let field: Vec<f32> = (0..g.len())
                .map(|idx| {
                    let (i, j, k) = g.ijk(idx);
                    let r2 = (i as f64 + 0.5 - c[0]).powi(2)
                        + (j as f64 + 0.5 - c[1]).powi(2)
                        + (k as f64 + 0.5 - c[2]).powi(2);
                    (90.0 * (-r2 / (2.0 * sigma * sigma)).exp()) as f32
                })
                .collect();
            let panel = Panel::from_field(&field, &g, &SliceSpec::centre(Plane::Xy), None)
                .expect("centre slice of a valid grid");
            (t, panel)
        })
        .collect()
}

fn style() -> FigureStyle {
    let mut s = FigureStyle::po2([0.0, 100.0]);
    s.dpi = 100;
    s.title = Some("pO\u{2082}, centre slice".into());
    s
}

/// Decoded APNG: (num_frames, num_plays, per frame: (delay num, delay den, pixels)).
type Decoded = (u32, u32, Vec<(u16, u16, RgbImage)>);

fn decode_apng(bytes: &[u8]) -> Decoded {
    let mut reader = png::Decoder::new(Cursor::new(bytes))
        .read_info()
        .expect("readable PNG");
    let info = reader.info();
    let actl = info.animation_control.expect("acTL chunk");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let (w, h) = (info.width, info.height);
    let mut frames = Vec::new();
    for _ in 0..actl.num_frames {
        let mut buf = vec![0; reader.output_buffer_size().expect("frame fits in memory")];
        reader.next_frame(&mut buf).expect("frame decodes");
        let fctl = reader.info().frame_control.expect("fcTL before each frame");
        // Every frame covers the whole canvas and replaces what was there.
        assert_eq!((fctl.width, fctl.height), (w, h));
        assert_eq!((fctl.x_offset, fctl.y_offset), (0, 0));
        assert_eq!(fctl.blend_op, png::BlendOp::Source);
        let img = RgbImage::from_raw(w, h, buf[..(w * h * 3) as usize].to_vec())
            .expect("buffer holds a frame");
        frames.push((fctl.delay_num, fctl.delay_den, img));
    }
    (actl.num_frames, actl.num_plays, frames)
}

fn examples_dir() -> Option<PathBuf> {
    let d = PathBuf::from(std::env::var_os("OXYFIELD_FIGURE_EXAMPLES")?);
    std::fs::create_dir_all(&d).ok()?;
    Some(d)
}

#[test]
fn apng_round_trips_frames_delays_and_loops() {
    let style = style();
    let input = shrinking_blob();
    let frames = render_frames(&input, &style).unwrap();
    assert_eq!(frames.len(), TIMES_H.len());

    let bytes = encode_apng(&frames, 250, 3, style.dpi).unwrap();
    let (n, plays, decoded) = decode_apng(&bytes);
    assert_eq!(n, 4);
    assert_eq!(plays, 3);
    assert_eq!(decoded.len(), 4);
    for (i, (num, den, img)) in decoded.iter().enumerate() {
        // 250 ms = 1/4 s.
        assert_eq!((*num, *den), (1, 4), "delay of frame {i}");
        assert!(
            img == &frames[i],
            "pixels of frame {i} differ from the input"
        );
    }

    // A viewer without APNG support shows the IDAT image: frame 0.
    let still = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8();
    assert!(still == frames[0], "the still image is not frame 0");

    // The resolution is recorded, as for still figures: 100 dpi = 3937 px/m.
    let reader = png::Decoder::new(Cursor::new(&bytes)).read_info().unwrap();
    let dims = reader.info().pixel_dims.expect("pHYs chunk");
    assert_eq!((dims.xppu, dims.yppu), (3937, 3937));
    assert_eq!(dims.unit, png::Unit::Meter);

    if let Some(dir) = examples_dir() {
        write_apng(&dir.join("anim.png"), &frames, 800, style.dpi).unwrap();
        for (i, f) in frames.iter().enumerate() {
            write_png(&dir.join(format!("anim_frame_{i}.png")), f, style.dpi).unwrap();
        }
    }
}

#[test]
fn each_frame_is_its_figure_under_its_own_time_stamp() {
    let style = style();
    let input = shrinking_blob();
    let frames = render_frames(&input, &style).unwrap();
    let strip = stamp_strip_height(&style);
    assert!(strip > 0);
    let labels = time_stamps(&TIMES_H).unwrap();
    assert_eq!(labels, ["t = 0 h", "t = 12 h", "t = 24 h", "t = 36 h"]);

    for (i, ((_, panel), frame)) in input.iter().zip(&frames).enumerate() {
        let fig = render_panel(panel, &style).unwrap().image;
        // Same-shaped panels: no padding, so the frame is the strip plus the figure.
        assert_eq!(
            frame.dimensions(),
            (fig.width(), fig.height() + strip),
            "frame {i}"
        );
        // Below the strip the figure is untouched: the stamp hides no data.
        let below = image::imageops::crop_imm(frame, 0, strip, fig.width(), fig.height());
        assert!(below.to_image() == fig, "frame {i}: figure altered");
        // The strip is white except for dark text.
        let strip_px: Vec<[u8; 3]> = (0..strip)
            .flat_map(|y| (0..frame.width()).map(move |x| (x, y)))
            .map(|(x, y)| frame.get_pixel(x, y).0)
            .collect();
        let dark = strip_px.iter().filter(|p| p[0] < 100).count();
        assert!(dark > 20, "frame {i}: no visible time stamp");
        assert!(
            strip_px.iter().all(|p| p[0] == p[1] && p[1] == p[2]),
            "frame {i}: stamp strip is not black on white"
        );
    }

    // The stamps differ from frame to frame (and the figures under them do too).
    let strip_of = |f: &RgbImage| {
        image::imageops::crop_imm(f, 0, 0, f.width(), strip)
            .to_image()
            .into_raw()
    };
    for i in 1..frames.len() {
        assert_ne!(
            strip_of(&frames[i]),
            strip_of(&frames[i - 1]),
            "frames {} and {i} carry the same stamp",
            i - 1
        );
    }
}

#[test]
fn frames_of_different_shapes_are_padded_and_encoder_checks_sizes() {
    let style = style();
    let mut input = shrinking_blob();
    // A panel from a wider block: the frames must still share one size.
    let g = Grid::from_shape_zyx([6, 12, 24], 10.0);
    let wide = Panel::from_field(
        &vec![50.0; g.len()],
        &g,
        &SliceSpec::centre(Plane::Xy),
        None,
    )
    .unwrap();
    input.push((48.0, wide));
    let frames = render_frames(&input, &style).unwrap();
    let strip = stamp_strip_height(&style);
    let figs: Vec<RgbImage> = input
        .iter()
        .map(|(_, p)| render_panel(p, &style).unwrap().image)
        .collect();
    let w = figs.iter().map(|f| f.width()).max().unwrap();
    let h = figs.iter().map(|f| f.height()).max().unwrap() + strip;
    // The wide block's panel is shorter (panels share one width in inches).
    assert_ne!(figs[0].dimensions(), figs[4].dimensions());
    for (i, (frame, fig)) in frames.iter().zip(&figs).enumerate() {
        assert_eq!(frame.dimensions(), (w, h), "frame {i}");
        // Each frame is its own figure, padded with white at the right and bottom.
        let own = image::imageops::crop_imm(frame, 0, strip, fig.width(), fig.height());
        assert!(own.to_image() == *fig, "frame {i}: figure altered");
        for y in strip..h {
            for x in 0..w {
                if x >= fig.width() || y >= strip + fig.height() {
                    assert_eq!(frame.get_pixel(x, y).0, [255, 255, 255], "frame {i}");
                }
            }
        }
    }

    let mut mixed = vec![frames[0].clone()];
    mixed.push(RgbImage::new(3, 3));
    assert!(encode_apng(&mixed, 100, 0, 100).is_err());
    assert!(encode_apng(&[], 100, 0, 100).is_err());
    assert!(render_frames(&[], &style).is_err());
}

#[test]
fn write_apng_loops_forever_and_writes_atomically() {
    let style = style();
    let frames = render_frames(&shrinking_blob()[..2], &style).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.png");
    write_apng(&path, &frames, 500, style.dpi).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes, encode_apng(&frames, 500, 0, style.dpi).unwrap());
    let (n, plays, decoded) = decode_apng(&bytes);
    assert_eq!((n, plays), (2, 0));
    assert_eq!((decoded[1].0, decoded[1].1), (1, 2));
    assert!(!dir.path().join("a.png.partial").exists());
}
