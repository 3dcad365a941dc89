//! The `[figures]` of a run, written into `OUT/figures/`: the pO2 planes montage, and
//! the plots and animation (see `crate::config::schema::FiguresSpec`). The same
//! figures `oxyfield render` makes from the saved fields.

use crate::config::Scenario;
use crate::figures::distance::distance_to_vessels_um;
use crate::figures::plot;
use crate::figures::{write_png, FigureStyle, Panel, PanelSize, Plane, SliceSpec};
use crate::grid::Grid;
use crate::problem::O2Problem;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The style of a run's pO2 figures: `[output]` limits and colour map, `[figures]` DPI.
pub(crate) fn po2_style(sc: &Scenario) -> FigureStyle {
    let out = &sc.spec.output;
    let colormap = out.colormap;
    let mut style = FigureStyle::for_field("o2", "mmHg", out.png_limits_mmhg, colormap);
    style.dpi = sc.spec.figures.dpi;
    style.panel = PanelSize::WidthInches(3.0);
    style
}

/// The xy, xz and yz centre planes of `field` as orthogonal views
/// ([`render_planes`](crate::figures::render_planes)) with one colorbar.
pub(crate) fn planes_montage(
    field: &[f32],
    grid: &Grid,
    vessels: Option<&[f32]>,
    style: &FigureStyle,
) -> Result<crate::figures::Figure> {
    let mask = vessels.map(crate::figures::vessel_mask);
    let panel = |p: Plane| -> Result<Panel> {
        let panel = Panel::from_field(field, grid, &SliceSpec::centre(p), mask.as_deref())?;
        let caption = panel.slice.caption.clone();
        Ok(panel.with_title(caption))
    };
    crate::figures::render_planes(
        panel(Plane::Xy)?,
        panel(Plane::Xz)?,
        panel(Plane::Yz)?,
        style,
        style.title.as_deref(),
    )
}

/// `OUT/figures/`, created.
pub fn figures_dir(out: &Path) -> Result<PathBuf> {
    let dir = out.join("figures");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir)
}

/// The figures of a steady run on `problem`: returns the file names written
/// (relative to `out`).
pub(crate) fn write_steady(
    out: &Path,
    sc: &Scenario,
    problem: &O2Problem,
    po2: &[f32],
) -> Result<Vec<String>> {
    let f = &sc.spec.figures;
    let grid = &problem.grid;
    let mut files = Vec::new();
    if f.montage {
        let dir = figures_dir(out)?;
        let mut style = po2_style(sc);
        style.title = Some(format!("{}: pO\u{2082} through the centre", sc.name));
        let fig = planes_montage(po2, grid, Some(&problem.sv), &style)?;
        write_png(&dir.join("o2_planes.png"), &fig.image, style.dpi)?;
        files.push("figures/o2_planes.png".to_string());
    }
    if f.plots {
        files.extend(po2_plots(out, sc, problem, po2)?);
    }
    Ok(files)
}

/// The pO2 histogram (with the hypoxic volume histogram) and pO2 against distance to
/// the nearest vessel, over tissue voxels, as PNG and SVG.
pub(crate) fn po2_plots(
    out: &Path,
    sc: &Scenario,
    problem: &O2Problem,
    po2: &[f32],
) -> Result<Vec<String>> {
    let dir = figures_dir(out)?;
    let dpi = sc.spec.figures.dpi;
    // A field's values at tissue voxels. The distances come first and their field is
    // dropped at once, so that fewer whole fields are held at a time.
    let at_tissue = |field: &[f32]| -> Vec<f32> {
        (0..field.len())
            .filter(|&i| problem.is_tissue(i))
            .map(|i| field[i])
            .collect()
    };
    let distance = if problem.sv.iter().any(|&s| s > 0.0) {
        Some(at_tissue(&distance_to_vessels_um(
            &problem.sv,
            &problem.grid,
        )?))
    } else {
        None
    };
    let values = at_tissue(po2);
    let top = sc.spec.output.png_limits_mmhg[1].max(1.0);
    let mut files = Vec::new();
    write_histogram(
        &values,
        1.0,
        top,
        &histogram_title(&sc.name, "o2"),
        &dir.join("o2_histogram"),
        dpi,
    )?;
    files.extend(
        [
            "figures/o2_histogram.png",
            "figures/o2_histogram.svg",
            "figures/o2_histogram.csv",
        ]
        .map(String::from),
    );
    if let Some(d) = distance {
        write_distance_profile(
            &values,
            &d,
            problem.grid.spacing_um.max(1.0),
            &distance_title(&sc.name, "o2"),
            &dir.join("o2_vs_distance"),
            dpi,
        )?;
        files.extend(
            [
                "figures/o2_vs_distance.png",
                "figures/o2_vs_distance.svg",
                "figures/o2_vs_distance.csv",
            ]
            .map(String::from),
        );
    }
    Ok(files)
}

/// The title of a run's histogram of `field` (`default: tissue pO₂`); `render --plot`
/// uses the same, so that it redraws the run's figure rather than a different one.
pub fn histogram_title(scenario: &str, field: &str) -> String {
    match field {
        "o2" => format!("{scenario}: tissue pO\u{2082}"),
        f => format!("{scenario}: {f}"),
    }
}

/// The title of a run's plot of `field` against distance to vessels.
pub fn distance_title(scenario: &str, field: &str) -> String {
    match field {
        "o2" => format!("{scenario}: pO\u{2082} and distance to vessels"),
        f => format!("{scenario}: {f} and distance to vessels"),
    }
}

/// Writes `STEM.png` and `STEM.svg` of the histogram of `values` (bins of `bin`, up to
/// `top`) titled `title`, and its numbers as `STEM.csv`.
pub fn write_histogram(
    values: &[f32],
    bin: f64,
    top: f64,
    title: &str,
    stem: &Path,
    dpi: u32,
) -> Result<(PathBuf, PathBuf)> {
    let h = plot::histogram(values, bin, top)?;
    let written = h.chart().with_title(title).write(stem, dpi)?;
    crate::atomic::write(&csv_beside(stem), h.csv().as_bytes())?;
    Ok(written)
}

/// Writes `STEM.png` and `STEM.svg` of `values` against `distance_um` (bins of
/// `bin_um`) titled `title`, and its numbers as `STEM.csv`.
pub fn write_distance_profile(
    values: &[f32],
    distance_um: &[f32],
    bin_um: f64,
    title: &str,
    stem: &Path,
    dpi: u32,
) -> Result<(PathBuf, PathBuf)> {
    let d = plot::distance_profile(values, distance_um, bin_um)?;
    let written = d.chart().with_title(title).write(stem, dpi)?;
    crate::atomic::write(&csv_beside(stem), d.csv().as_bytes())?;
    Ok(written)
}

/// `STEM.csv` (the stem may hold dots of its own).
fn csv_beside(stem: &Path) -> PathBuf {
    let mut p = stem.as_os_str().to_owned();
    p.push(".csv");
    PathBuf::from(p)
}

/// The protocol's timeline figure ([`plot::protocol_timeline`]) from its rows, as PNG
/// and SVG; its data is the run's `timeline.csv`.
pub(crate) fn timeline_plot(
    out: &Path,
    sc: &Scenario,
    protocol: &crate::protocol::Protocol,
    rows: &[crate::output::timeline::Row],
) -> Result<Vec<String>> {
    let dir = figures_dir(out)?;
    let data = crate::output::timeline::figure_data(rows);
    plot::protocol_timeline(&data)?
        .with_title(format!("{} with {}", sc.name, protocol.name))
        .write(&dir.join("timeline"), sc.spec.figures.dpi)?;
    Ok(["figures/timeline.png", "figures/timeline.svg"]
        .map(String::from)
        .to_vec())
}

/// Frame delay of animations (ms).
pub(crate) const FRAME_MS: u32 = 500;

/// An animation of field `name`'s snapshots in `out/snapshots/` as `spec` shows them,
/// as frames with time stamps; None when there are fewer than two snapshots.
pub fn snapshot_frames(
    out: &Path,
    name: &str,
    spec: &SliceSpec,
    vessels: Option<&[f32]>,
    style: &FigureStyle,
) -> Result<Option<Vec<image::RgbImage>>> {
    let run = crate::rundir::RunDir {
        path: out.to_path_buf(),
    };
    let snaps = run.snapshots(name)?;
    if snaps.len() < 2 {
        return Ok(None);
    }
    let mask = vessels.map(crate::figures::vessel_mask);
    let mut frames = Vec::new();
    for (t, path) in snaps {
        let f = crate::rundir::load_field(&path)?;
        let m = mask.as_deref().filter(|m| m.len() == f.data.len());
        frames.push((t, Panel::from_field(&f.data, &f.grid, spec, m)?));
    }
    crate::figures::animate::render_frames(&frames, style).map(Some)
}

/// The figures of a protocol run (after its snapshots and final fields are written):
/// the final pO2 planes montage and, with snapshots, the animation of the xy centre
/// slice. Returns the file names written (relative to `out`).
pub(crate) fn write_protocol(
    out: &Path,
    sc: &Scenario,
    grid: &Grid,
    po2: &[f32],
    vessels: Option<&[f32]>,
) -> Result<Vec<String>> {
    let f = &sc.spec.figures;
    let mut files = Vec::new();
    if f.montage {
        let dir = figures_dir(out)?;
        let mut style = po2_style(sc);
        style.title = Some(format!(
            "{}: pO\u{2082} at the end of the protocol",
            sc.name
        ));
        let fig = planes_montage(po2, grid, vessels, &style)?;
        write_png(&dir.join("o2_planes.png"), &fig.image, style.dpi)?;
        files.push("figures/o2_planes.png".to_string());
    }
    if f.animation {
        let mut style = po2_style(sc);
        style.title = Some(format!("{}: pO\u{2082}", sc.name));
        let spec = SliceSpec::centre(Plane::Xy);
        if let Some(frames) = snapshot_frames(out, "o2", &spec, vessels, &style)? {
            let dir = figures_dir(out)?;
            crate::figures::animate::write_apng(
                &dir.join("o2_xy_anim.png"),
                &frames,
                FRAME_MS,
                style.dpi,
            )?;
            files.push("figures/o2_xy_anim.png".to_string());
        }
    }
    Ok(files)
}
