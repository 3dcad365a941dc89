//! Figures (issue 8): slice extraction, golden images of small renders, and checks
//! that the colorbar, the scale bar and the PNG's pHYs chunk say what they claim.
//!
//! Golden images live in `tests/golden/`. A render matches its golden image when at
//! most 0.5 % of pixels differ by more than 8 levels in any channel. Rendering is
//! deterministic (CPU rasterisation, embedded font), so today renders match exactly; the
//! tolerance only absorbs anti-aliasing changes in a future ab_glyph. A missing golden
//! image is written (and the test passes); `OXYFIELD_BLESS=1` rewrites them all. On a
//! mismatch the actual image goes to `target/golden-actual/` and the panic says where.
//! Set `OXYFIELD_FIGURE_EXAMPLES=DIR` to also write larger example figures to DIR.

use oxyfield::colormap::Colormap;
use oxyfield::figures::{
    extract, render_montage, render_planes, render_slice, write_png, Figure, FigureStyle,
    LineStyle, Panel, PanelSize, Plane, Projection, SlicePos, SliceSpec,
};
use oxyfield::grid::Grid;
use std::path::{Path, PathBuf};

/// Fraction of pixels allowed to differ by more than [`LEVELS`].
const MAX_BAD_FRACTION: f64 = 0.005;
/// Per-channel difference that counts a pixel as different.
const LEVELS: u8 = 8;

/// A field whose value says where it is: `i + 100 j + 10000 k`.
fn coded_field(g: &Grid) -> Vec<f32> {
    (0..g.len())
        .map(|idx| {
            let (i, j, k) = g.ijk(idx);
            (i + 100 * j + 10_000 * k) as f32
        })
        .collect()
}

/// Small synthetic tumour block: pO2 falls with distance from two vessels running
/// along z, 90 exp(−d / 40 µm) mmHg; returns (pO2, vessel mask).
fn vessel_block(g: &Grid) -> (Vec<f32>, Vec<f32>) {
    vessel_block_scaled(g, 1.0, 4.0)
}

/// [`vessel_block`] with vessel radii scaled by `radius_scale` and a decay length of
/// `decay_voxels` voxels.
fn vessel_block_scaled(g: &Grid, radius_scale: f64, decay_voxels: f64) -> (Vec<f32>, Vec<f32>) {
    let h = g.spacing_um;
    // Vessel axes (x, y) in µm and radii.
    let vessels = [
        (
            0.2 * g.nx as f64 * h,
            0.3 * g.ny as f64 * h,
            1.1 * h * radius_scale,
        ),
        (
            0.8 * g.nx as f64 * h,
            0.75 * g.ny as f64 * h,
            0.8 * h * radius_scale,
        ),
    ];
    let mut po2 = Vec::with_capacity(g.len());
    let mut mask = Vec::with_capacity(g.len());
    for idx in 0..g.len() {
        let (i, j, k) = g.ijk(idx);
        let c = g.centre(i, j, k);
        // A slight tilt with z so that slices and projections differ.
        let shift = (c.z - 0.5 * g.nz as f64 * h) * 0.3;
        let d = vessels
            .iter()
            .map(|&(x, y, r)| (((c.x - x - shift).powi(2) + (c.y - y).powi(2)).sqrt() - r).max(0.0))
            .fold(f64::INFINITY, f64::min);
        po2.push((90.0 * (-d / (decay_voxels * h)).exp()) as f32);
        mask.push(if d <= 0.0 { 1.0 } else { 0.0 });
    }
    (po2, mask)
}

fn small_style() -> FigureStyle {
    FigureStyle {
        dpi: 100,
        panel: PanelSize::PixelsPerVoxel(10.0),
        ..FigureStyle::po2([0.0, 90.0])
    }
}

/// Compares `fig` with `tests/golden/NAME.png` (see the module docs).
fn check_golden(name: &str, fig: &Figure) {
    check_golden_image(name, &fig.image);
}

/// [`check_golden`] for any picture (a plot has no slice layout).
pub(crate) fn check_golden_image(name: &str, image: &image::RgbImage) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let golden = root.join("tests/golden").join(format!("{name}.png"));
    let bless = std::env::var("OXYFIELD_BLESS").is_ok_and(|v| v == "1");
    if bless || !golden.exists() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        write_png(&golden, image, 100).unwrap();
        eprintln!("wrote golden image {}", golden.display());
        return;
    }
    let want = image::open(&golden).unwrap().to_rgb8();
    let got = image;
    let fail = |why: String| -> ! {
        let dir = root.join("target/golden-actual");
        std::fs::create_dir_all(&dir).unwrap();
        let actual = dir.join(format!("{name}.png"));
        write_png(&actual, got, 100).unwrap();
        panic!(
            "{name}: {why}; actual image written to {} (compare with {}; \
             OXYFIELD_BLESS=1 accepts it)",
            actual.display(),
            golden.display()
        );
    };
    if want.dimensions() != got.dimensions() {
        fail(format!(
            "size {:?}, golden {:?}",
            got.dimensions(),
            want.dimensions()
        ));
    }
    let bad = want
        .pixels()
        .zip(got.pixels())
        .filter(|(a, b)| a.0.iter().zip(b.0).any(|(&x, y)| x.abs_diff(y) > LEVELS))
        .count();
    let frac = bad as f64 / (got.width() * got.height()) as f64;
    if frac > MAX_BAD_FRACTION {
        fail(format!(
            "{:.2} % of pixels differ by more than {LEVELS} levels (allowed {} %)",
            100.0 * frac,
            100.0 * MAX_BAD_FRACTION
        ));
    }
}

fn examples_dir() -> Option<PathBuf> {
    let d = std::env::var_os("OXYFIELD_FIGURE_EXAMPLES")?;
    let d = PathBuf::from(d);
    std::fs::create_dir_all(&d).ok()?;
    Some(d)
}

#[test]
fn extraction_positions_pick_the_right_layer() {
    let g = Grid::from_shape_zyx([8, 12, 16], 10.0);
    let f = coded_field(&g);
    let xy = extract(&f, &g, &SliceSpec::centre(Plane::Xy)).unwrap();
    assert_eq!((xy.w, xy.h), (16, 12));
    // Row 0 is the bottom (j = 0); k = nz / 2 = 4.
    assert_eq!(xy.get(3, 0), 3.0 + 40_000.0);
    assert_eq!(xy.get(15, 11), 15.0 + 1_100.0 + 40_000.0);
    let xz = extract(
        &f,
        &g,
        &SliceSpec {
            plane: Plane::Xz,
            at: SlicePos::Index(7),
            projection: None,
        },
    )
    .unwrap();
    assert_eq!((xz.w, xz.h), (16, 8));
    assert_eq!(xz.get(2, 5), 2.0 + 700.0 + 50_000.0);
    // 34 µm along x lies in voxel 3 (30–40 µm).
    let yz = extract(
        &f,
        &g,
        &SliceSpec {
            plane: Plane::Yz,
            at: SlicePos::Um(34.0),
            projection: None,
        },
    )
    .unwrap();
    assert_eq!((yz.w, yz.h), (12, 8));
    assert_eq!(yz.get(4, 6), 3.0 + 400.0 + 60_000.0);
    assert_eq!(yz.caption, "yz, x = 35 µm");
    let err = extract(
        &f,
        &g,
        &SliceSpec {
            plane: Plane::Yz,
            at: SlicePos::Um(175.0),
            projection: None,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("175") && err.contains("0 to 160 µm"), "{err}");
    assert!(extract(&f[1..], &g, &SliceSpec::centre(Plane::Xy)).is_err());
}

#[test]
fn projections_reduce_along_the_normal() {
    let g = Grid::from_shape_zyx([8, 12, 16], 10.0);
    let f = coded_field(&g);
    let spec = |plane, p| SliceSpec {
        plane,
        at: SlicePos::Centre,
        projection: Some(p),
    };
    let max = extract(&f, &g, &spec(Plane::Xy, Projection::Max)).unwrap();
    let min = extract(&f, &g, &spec(Plane::Xy, Projection::Min)).unwrap();
    let mean = extract(&f, &g, &spec(Plane::Xy, Projection::Mean)).unwrap();
    assert_eq!(max.get(5, 2), 5.0 + 200.0 + 70_000.0);
    assert_eq!(min.get(5, 2), 5.0 + 200.0);
    assert_eq!(mean.get(5, 2), 5.0 + 200.0 + 35_000.0); // mean of k = 0..7 is 3.5
    let mean_yz = extract(&f, &g, &spec(Plane::Yz, Projection::Mean)).unwrap();
    assert_eq!(mean_yz.get(11, 7), 7.5 + 1_100.0 + 70_000.0);
    let max_xz = extract(&f, &g, &spec(Plane::Xz, Projection::Max)).unwrap();
    assert_eq!(max_xz.get(0, 3), 1_100.0 + 30_000.0);
    assert_eq!(max.caption, "xy, max over z");
}

#[test]
fn golden_slice_with_contours_vessels_and_scale_bar() {
    let g = Grid::from_shape_zyx([8, 12, 16], 10.0);
    let (po2, mask) = vessel_block(&g);
    // Isolines inside this small field's range, so the golden image shows both styles.
    let style = FigureStyle {
        title: Some("Centre slice".into()),
        contours: vec![
            (40.0, LineStyle::dashed([255, 255, 255], 1.0)),
            (20.0, LineStyle::solid([255, 255, 255], 1.0)),
        ],
        ..small_style()
    };
    let fig = render_slice(&po2, &g, &SliceSpec::centre(Plane::Xy), Some(&mask), &style).unwrap();
    check_golden("slice_xy", &fig);
}

#[test]
fn golden_projection() {
    let g = Grid::from_shape_zyx([8, 12, 16], 10.0);
    let (po2, _) = vessel_block(&g);
    let spec = SliceSpec {
        plane: Plane::Xy,
        at: SlicePos::Centre,
        projection: Some(Projection::Min),
    };
    let style = FigureStyle {
        colormap: Colormap::MAGMA,
        contours: vec![],
        ..small_style()
    };
    let fig = render_slice(&po2, &g, &spec, None, &style).unwrap();
    check_golden("projection_min", &fig);
}

#[test]
fn golden_montage_of_four() {
    let g = Grid::from_shape_zyx([8, 12, 16], 10.0);
    let (po2, mask) = vessel_block(&g);
    let specs = [
        ("xy", SliceSpec::centre(Plane::Xy)),
        ("xz", SliceSpec::centre(Plane::Xz)),
        ("yz", SliceSpec::centre(Plane::Yz)),
        (
            "xy max",
            SliceSpec {
                plane: Plane::Xy,
                at: SlicePos::Centre,
                projection: Some(Projection::Max),
            },
        ),
    ];
    let panels: Vec<Panel> = specs
        .iter()
        .map(|(t, s)| {
            Panel::from_field(&po2, &g, s, Some(&mask))
                .unwrap()
                .with_title(*t)
        })
        .collect();
    let fig = render_montage(&panels, 2, &small_style(), Some("Four views")).unwrap();
    assert_eq!(fig.layout.panels.len(), 4);
    // One physical scale: the 16-voxel-wide panels are equally wide, the 12-wide one
    // narrower by 12/16.
    assert_eq!(fig.layout.panels[0].w, 160);
    assert_eq!(fig.layout.panels[2].w, 120);
    check_golden("montage_4", &fig);
}

#[test]
fn colorbar_colours_match_the_colormap_at_the_ticks() {
    let g = Grid::from_shape_zyx([8, 12, 16], 10.0);
    let (po2, _) = vessel_block(&g);
    for cmap in [Colormap::VIRIDIS, Colormap::CIVIDIS, Colormap::RDBU_R] {
        let style = FigureStyle {
            colormap: cmap,
            contours: vec![],
            limits: [-20.0, 110.0],
            ..small_style()
        };
        let fig = render_slice(&po2, &g, &SliceSpec::centre(Plane::Xy), None, &style).unwrap();
        let cb = fig.layout.colorbar;
        let labels: Vec<&str> = fig.layout.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0", "25", "50", "75", "100"]);
        assert!((4..=6).contains(&fig.layout.ticks.len()), "{labels:?}");
        for t in &fig.layout.ticks {
            // The pixel row the tick points at, inside the ramp.
            let row = (t.y.floor() as i64).clamp(cb.y, cb.y + cb.h - 1);
            let x = cb.x + cb.w / 2;
            let got = fig.image.get_pixel(x as u32, row as u32).0;
            let frac = ((t.value - -20.0) / 130.0) as f32;
            let want = cmap.rgb(frac);
            let diff = got
                .iter()
                .zip(want)
                .map(|(&a, b)| a.abs_diff(b))
                .max()
                .unwrap();
            assert!(
                diff <= 4,
                "{}: tick {} at row {row}: {got:?} vs colormap {want:?}",
                cmap.name,
                t.label
            );
            let parsed: f64 = t.label.replace('\u{2212}', "-").parse().unwrap();
            assert_eq!(parsed, t.value);
        }
    }
}

#[test]
fn scale_bar_length_matches_its_label() {
    let g = Grid::from_shape_zyx([8, 12, 16], 7.5);
    let (po2, _) = vessel_block(&g);
    for size in [PanelSize::PixelsPerVoxel(9.0), PanelSize::WidthInches(2.3)] {
        let style = FigureStyle {
            panel: size,
            dpi: 120,
            ..small_style()
        };
        let fig = render_slice(&po2, &g, &SliceSpec::centre(Plane::Xy), None, &style).unwrap();
        let sb = fig.layout.scale_bar.clone().expect("scale bar drawn");
        let panel = fig.layout.panels[0];
        // Pixels per µm from the panel's own size, independently of the layout's figure.
        let px_per_um = panel.w as f64 / (16.0 * 7.5);
        let label_um: f64 = sb.label.trim_end_matches(" µm").parse().unwrap();
        assert_eq!(label_um, sb.length_um);
        // Measure the bar on the image: the run of its colour along its middle row.
        let y = (sb.rect.y + sb.rect.h / 2) as u32;
        let mut x = sb.rect.x as u32;
        let mut run = 0;
        while fig.image.get_pixel(x, y).0 == sb.colour {
            run += 1;
            x += 1;
        }
        let want = label_um * px_per_um;
        assert!(
            (run as f64 - want).abs() <= 1.0,
            "{size:?}: bar {run} px, label {} = {want:.1} px",
            sb.label
        );
        // About a fifth of the panel, rounded down to 1, 2 or 5 × 10^k.
        let frac = run as f64 / panel.w as f64;
        assert!((0.08..=0.21).contains(&frac), "{frac}");
    }
}

#[test]
fn png_records_the_dpi_in_phys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fig.png");
    let img = image::RgbImage::from_pixel(7, 5, image::Rgb([10, 20, 30]));
    write_png(&path, &img, 300).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let dec = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = dec.read_info().unwrap();
    let dims = reader.info().pixel_dims.expect("pHYs present");
    assert_eq!(dims.unit, png::Unit::Meter);
    assert_eq!((dims.xppu, dims.yppu), (11811, 11811)); // 300 / 0.0254
    assert_eq!((reader.info().width, reader.info().height), (7, 5));
    assert!(!dir.path().join("fig.png.partial").exists());
}

#[test]
fn bad_limits_and_empty_montages_are_input_errors() {
    let g = Grid::from_shape_zyx([8, 12, 16], 10.0);
    let (po2, _) = vessel_block(&g);
    let style = FigureStyle {
        limits: [5.0, 5.0],
        ..small_style()
    };
    let e = render_slice(&po2, &g, &SliceSpec::centre(Plane::Xy), None, &style).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("[5, 5]"), "{e}");
    assert!(render_montage(&[], 2, &small_style(), None).is_err());
}

/// Larger figures for people to look at; only with `OXYFIELD_FIGURE_EXAMPLES=DIR`.
#[test]
fn example_figures() {
    let Some(dir) = examples_dir() else { return };
    let g = Grid::from_shape_zyx([40, 60, 80], 5.0);
    let (po2, mask) = vessel_block_scaled(&g, 2.5, 10.0);
    let style = FigureStyle {
        title: Some("pO\u{2082}, centre slice".into()),
        ..FigureStyle::po2([0.0, 90.0])
    };
    let fig = render_slice(&po2, &g, &SliceSpec::centre(Plane::Xy), Some(&mask), &style).unwrap();
    write_png(&dir.join("slice_xy.png"), &fig.image, style.dpi).unwrap();
    let spec = SliceSpec {
        plane: Plane::Xy,
        at: SlicePos::Centre,
        projection: Some(Projection::Min),
    };
    let style2 = FigureStyle {
        title: Some("Minimum pO\u{2082} along z".into()),
        colormap: Colormap::MAGMA,
        ..style.clone()
    };
    let fig = render_slice(&po2, &g, &spec, Some(&mask), &style2).unwrap();
    write_png(&dir.join("projection_min.png"), &fig.image, style.dpi).unwrap();
    let specs = [
        SliceSpec::centre(Plane::Xy),
        SliceSpec::centre(Plane::Xz),
        SliceSpec::centre(Plane::Yz),
        SliceSpec {
            plane: Plane::Xy,
            at: SlicePos::Centre,
            projection: Some(Projection::Mean),
        },
    ];
    let panels: Vec<Panel> = specs
        .iter()
        .map(|s| {
            let p = Panel::from_field(&po2, &g, s, Some(&mask)).unwrap();
            let t = p.slice.caption.clone();
            p.with_title(t)
        })
        .collect();
    let style3 = FigureStyle {
        panel: PanelSize::WidthInches(2.4),
        ..FigureStyle::po2([0.0, 90.0])
    };
    let fig = render_montage(
        &panels,
        2,
        &style3,
        Some("Synthetic block, 400 × 300 × 200 µm"),
    )
    .unwrap();
    write_png(&dir.join("montage.png"), &fig.image, style3.dpi).unwrap();
    let diff: Vec<f32> = po2.iter().map(|v| v - 45.0).collect();
    let style4 = FigureStyle {
        colormap: Colormap::RDBU_R,
        limits: [-50.0, 50.0],
        contours: vec![(0.0, LineStyle::solid([0, 0, 0], 0.8))],
        field_label: "\u{0394}pO\u{2082}".into(),
        title: Some("Difference".into()),
        ..FigureStyle::po2([0.0, 90.0])
    };
    let fig = render_slice(&diff, &g, &SliceSpec::centre(Plane::Xz), None, &style4).unwrap();
    write_png(&dir.join("difference_xz.png"), &fig.image, style4.dpi).unwrap();
}

/// Issue 23.7: the planes figure is laid out as orthogonal views, so a block thinner
/// in z than across leaves no blank band under flat xz and yz panels: zy beside xy
/// with xy's height, xz under xy with xy's width, one physical scale.
#[test]
fn planes_are_orthogonal_views_sharing_their_axes() {
    let g = Grid::from_shape_zyx([6, 12, 16], 10.0);
    let (po2, mask) = vessel_block(&g);
    let panel = |p| {
        let panel = Panel::from_field(&po2, &g, &SliceSpec::centre(p), Some(&mask)).unwrap();
        let caption = panel.slice.caption.clone();
        panel.with_title(caption)
    };
    let fig = render_planes(
        panel(Plane::Xy),
        panel(Plane::Xz),
        panel(Plane::Yz),
        &small_style(),
        None,
    )
    .unwrap();
    let [xy, zy, xz] = [
        fig.layout.panels[0],
        fig.layout.panels[1],
        fig.layout.panels[2],
    ];
    // 10 px per voxel: xy 16 × 12, zy 6 × 12 (z across, y up), xz 16 × 6.
    assert_eq!((xy.w, xy.h), (160, 120));
    assert_eq!((zy.w, zy.h), (60, 120));
    assert_eq!((xz.w, xz.h), (160, 60));
    assert_eq!(zy.y, xy.y, "zy beside xy");
    assert!(zy.x > xy.x + xy.w);
    assert_eq!(xz.x, xy.x, "xz under xy");
    assert!(xz.y > xy.y + xy.h);
    // No blank band: the figure is about as tall as xy and xz with their titles.
    assert!(fig.image.height() < (xy.h + xz.h + 80) as u32);
    // The transposed panel shows the yz plane's values with y up and z across.
    let yz = extract(&po2, &g, &SliceSpec::centre(Plane::Yz)).unwrap();
    let at = |r: oxyfield::figures::Rect, u: i64, v: i64| {
        // The centre pixel of voxel column u, row v (row 0 at the bottom).
        fig.image
            .get_pixel((r.x + u * 10 + 5) as u32, (r.y + r.h - v * 10 - 5) as u32)
            .0
    };
    let style = small_style();
    let [lo, hi] = style.limits;
    for (z, y) in [(0usize, 0usize), (5, 3), (2, 11)] {
        let want = style
            .colormap
            .rgb(((f64::from(yz.get(y, z)) - lo) / (hi - lo)) as f32);
        assert_eq!(at(zy, z as i64, y as i64), want, "zy at z = {z}, y = {y}");
    }
}

/// Golden images of the new figures (issue 23): orthogonal planes and the protocol
/// timeline with a window, fractions and a drug.
#[test]
fn golden_planes_and_protocol_timeline() {
    let g = Grid::from_shape_zyx([6, 12, 16], 10.0);
    let (po2, mask) = vessel_block(&g);
    let panel = |p| {
        let panel = Panel::from_field(&po2, &g, &SliceSpec::centre(p), Some(&mask)).unwrap();
        let caption = panel.slice.caption.clone();
        panel.with_title(caption)
    };
    let fig = render_planes(
        panel(Plane::Xy),
        panel(Plane::Xz),
        panel(Plane::Yz),
        &small_style(),
        Some("Planes"),
    )
    .unwrap();
    check_golden("planes", &fig);

    use oxyfield::figures::plot::{protocol_timeline, TimelineData};
    let times: Vec<f64> = (0..=96).map(|h| 2.0 * f64::from(h)).collect();
    let fractions: Vec<f64> = (0..5).map(|d| 24.0 * f64::from(d) + 2.0).collect();
    let level = |t: f64, a: f64, k: f64| a * (-t / k).exp();
    let d = TimelineData {
        hypoxic_fractions: std::array::from_fn(|i| {
            times
                .iter()
                .map(|&t| level(t, 0.1 * (i + 1) as f64, 80.0))
                .collect()
        }),
        mean_po2_mmhg: times.iter().map(|&t| 30.0 - level(t, 15.0, 60.0)).collect(),
        median_po2_mmhg: times.iter().map(|&t| 28.0 - level(t, 15.0, 60.0)).collect(),
        viable_fraction: times.iter().map(|&t| 0.2 + level(t, 0.6, 50.0)).collect(),
        log10_cell_kill: times.iter().map(|&t| t / 60.0).collect(),
        tcp: Some(
            times
                .iter()
                .map(|&t| 1.0 - (-(t / 120.0).powi(3)).exp())
                .collect(),
        ),
        drugs: vec![(
            "evo".to_string(),
            times.iter().map(|&t| level(t, 20.0, 4.0)).collect(),
            times.iter().map(|&t| level(t, 8.0, 10.0)).collect(),
            vec![0.0],
        )],
        fractions_h: fractions,
        windows: vec![("normalisation".to_string(), 24.0, 96.0)],
        times_h: times,
    };
    let chart = protocol_timeline(&d)
        .unwrap()
        .with_title("Synthetic protocol");
    check_golden_image("protocol_timeline", &chart.png(100).unwrap());
}
