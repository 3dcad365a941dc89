//! `oxyfield render RUN_DIR`: figures from a run's saved fields, without re-simulating.

use super::RenderArgs;
use oxyfield::colormap::Colormap;
use oxyfield::config::schema::OutputSpec;
use oxyfield::figures::{
    render_montage, render_panel, write_png, FigureStyle, LineStyle, Panel, PanelSize, Plane,
    SlicePos, SliceSpec,
};
use oxyfield::rundir::{load_field, Field, RunDir};
use oxyfield::{Error, Result};

pub fn render(args: RenderArgs) -> Result<()> {
    super::args::render_options(&args)?;
    let run = RunDir::open(&args.run_dirs[0])?;
    let others = args.run_dirs[1..]
        .iter()
        .map(|p| RunDir::open(p))
        .collect::<Result<Vec<_>>>()?;
    if !others.is_empty() && (args.montage.is_some() || args.animate || args.plot.is_some()) {
        return Err(Error::input(
            "--montage",
            "several run folders already make a montage (one panel per run); give one \
             folder with --montage, --animate or --plot",
        ));
    }
    if let Some(kind) = args.plot {
        return super::render_plot::plot(&args, &run, kind);
    }
    let field = load_shown(&run, &args.field)?;
    let minus = match &args.minus {
        Some(path) => {
            if !others.is_empty() || args.montage.as_deref() == Some("snapshots") {
                return Err(Error::input(
                    "--minus",
                    "draws one run's field minus another's; give one RUN_DIR, and no \
                     --montage snapshots",
                ));
            }
            Some(RunDir::open(path)?)
        }
        None => None,
    };
    let field = match &minus {
        Some(b) => difference(&run, field, b, &load_shown(b, &args.field)?)?,
        None => field,
    };
    let spec = SliceSpec {
        plane: args.plane.into(),
        at: parse_at(&args.at)?,
        projection: args.projection.map(Into::into),
    };
    let colormap = match args.colormap {
        Some(c) => c.into(),
        None if minus.is_some() => Colormap::RDBU_R,
        None => Colormap::VIRIDIS,
    };
    // Outlines on slices of one run only: a projection through a whole network is a
    // thicket, and other runs may have other vessels.
    let vessels = if args.no_vessels || spec.projection.is_some() || !others.is_empty() {
        None
    } else {
        vessel_outlines(&run, &field)?
    };
    if args.animate {
        return animate(&args, &run, &field, &spec, vessels.as_deref(), colormap);
    }
    let (panels, mut stem) = panels(&args, &run, &others, &field, spec)?;
    let limits = match &args.limits {
        Some(text) => parse_pair(text, "--limits")?,
        // A difference is centred at 0 on any map.
        None if minus.is_some() => centred(data_range(panels.iter().map(|p| &p.1))),
        None => default_limits(&field, &panels, colormap),
    };
    let mut style = figure_style(&args, &field, limits, colormap)?;
    if let Some(b) = &minus {
        style.field_label = format!("\u{394}{}", style.field_label);
        if args.contours.is_none() {
            style.contours.clear();
        }
        if style.title.is_none() {
            style.title = Some(format!("{} \u{2212} {}", folder_name(&run), folder_name(b)));
        }
        stem = format!("{stem}_minus_{}", folder_name(b));
    }
    let built = panels
        .into_iter()
        .map(|(title, f, spec)| {
            let mask = vessels.as_deref().filter(|_| f.grid == field.grid);
            let panel = Panel::from_field(&f.data, &f.grid, &spec, mask)?;
            let caption = panel.slice.caption.clone();
            Ok(panel.with_title(title.unwrap_or(caption)))
        })
        .collect::<Result<Vec<Panel>>>()?;
    let figure = if built.len() == 1 {
        render_panel(&built[0], &style)?
    } else if args.montage.as_deref() == Some("planes") {
        let [xy, xz, yz]: [Panel; 3] = built
            .try_into()
            .map_err(|_| Error::input("--montage", "planes: three panels expected"))?;
        oxyfield::figures::render_planes(xy, xz, yz, &style, args.title.as_deref())?
    } else {
        let columns = match built.len() {
            n if n <= 3 => n,
            4 => 2,
            n => n.min(4),
        };
        render_montage(&built, columns, &style, args.title.as_deref())?
    };
    let out = match &args.out {
        Some(p) => p.clone(),
        None => {
            let dir = run.path.join("figures");
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            dir.join(format!("{stem}.png"))
        }
    };
    write_png(&out, &figure.image, style.dpi)?;
    println!(
        "{} ({}×{} px, {} dpi)",
        out.display(),
        figure.image.width(),
        figure.image.height(),
        style.dpi
    );
    Ok(())
}

/// The vessel outline mask of `run` (from its `vessels_sv.npy`, when that is on the
/// field's grid).
fn vessel_outlines(run: &RunDir, field: &Field) -> Result<Option<Vec<f32>>> {
    let path = run.path.join("vessels_sv.npy");
    Ok(path
        .exists()
        .then(|| load_field(&path))
        .transpose()?
        .filter(|v| v.grid == field.grid)
        .map(|v| oxyfield::figures::vessel_mask(&v.data)))
}

/// One panel: its title (None: the slice's caption), field and slice.
type PanelSource = (Option<String>, Field, SliceSpec);

/// The panels the arguments ask for, and a file name that says what they show.
fn panels(
    args: &RenderArgs,
    run: &RunDir,
    others: &[RunDir],
    field: &Field,
    spec: SliceSpec,
) -> Result<(Vec<PanelSource>, String)> {
    let plane = spec.plane;
    Ok(match args.montage.as_deref() {
        None if !others.is_empty() => {
            let mut panels = vec![(Some(folder_name(run)), field.clone(), spec)];
            for other in others {
                let f = load_shown(other, &args.field)?;
                panels.push((Some(folder_name(other)), f, spec));
            }
            (panels, format!("{}_{}_runs", field.name, plane.name()))
        }
        None => (
            vec![(None, field.clone(), spec)],
            format!(
                "{}_{}{}",
                field.name,
                plane.name(),
                spec.projection
                    .map_or_else(|| at_tag(&args.at), |p| format!("_{}", p.name()))
            ),
        ),
        Some("planes") => (
            Plane::ALL
                .iter()
                .map(|&p| (None, field.clone(), SliceSpec::centre(p)))
                .collect(),
            format!("{}_planes", field.name),
        ),
        Some("snapshots") => {
            let snaps = run.snapshots(&field.name)?;
            if snaps.is_empty() {
                return Err(Error::input(
                    "--montage",
                    format!(
                        "snapshots: {} has no snapshots/{}_tXh.npy (a protocol run with \
                         `snapshots` writes them)",
                        run.path.display(),
                        field.name
                    ),
                ));
            }
            let mut panels = Vec::new();
            for (t, path) in snaps {
                panels.push((Some(format!("t = {t} h")), load_field(&path)?, spec));
            }
            (panels, format!("{}_{}_snapshots", field.name, plane.name()))
        }
        Some(m) => match m
            .strip_prefix("levels:")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) if (1..=64).contains(&n) => (
                level_panels(field, plane, n),
                format!("{}_{}_levels{n}", field.name, plane.name()),
            ),
            _ => {
                return Err(Error::input(
                    "--montage",
                    format!("`{m}`: use planes, levels:N (1–64) or snapshots"),
                ))
            }
        },
    })
}

/// `--montage levels:N`: N slices evenly through the block along the plane's normal.
fn level_panels(field: &Field, plane: Plane, n: usize) -> Vec<PanelSource> {
    let depth = match plane {
        Plane::Xy => field.grid.nz,
        Plane::Xz => field.grid.ny,
        Plane::Yz => field.grid.nx,
    };
    (0..n)
        .map(|k| {
            let index = ((k as f64 + 0.5) * depth as f64 / n as f64) as usize;
            let spec = SliceSpec {
                plane,
                at: SlicePos::Index(index.min(depth - 1)),
                projection: None,
            };
            (None, field.clone(), spec)
        })
        .collect()
}

/// Field `name` of `run` as a map shows it: blood pO2 (`vessels_pb`) only where there
/// is vessel wall, NaN (drawn grey) elsewhere, so tissue does not read as 0 mmHg of
/// blood (issue 23.7). Other fields as saved.
fn load_shown(run: &RunDir, name: &str) -> Result<Field> {
    let mut field = run.load(name)?;
    if name == "vessels_pb" && run.path.join("vessels_sv.npy").exists() {
        let sv = run.load("vessels_sv")?;
        if sv.data.len() == field.data.len() {
            for (v, &s) in field.data.iter_mut().zip(&sv.data) {
                if s <= 0.0 {
                    *v = f32::NAN;
                }
            }
        }
    }
    Ok(field)
}

/// `a` (of run `ra`) minus `b` (of run `rb`) voxel by voxel, NaN where either is NaN;
/// refused when the grids differ.
fn difference(ra: &RunDir, a: Field, rb: &RunDir, b: &Field) -> Result<Field> {
    if a.grid != b.grid {
        let shape = |g: &oxyfield::grid::Grid| {
            format!(
                "{}×{}×{} voxels (z, y, x) at {} µm",
                g.nz, g.ny, g.nx, g.spacing_um
            )
        };
        return Err(Error::input(
            &rb.path,
            format!(
                "--minus: its {} has {}, {}'s has {}; a difference needs runs on the same grid",
                a.name,
                shape(&b.grid),
                ra.path.display(),
                shape(&a.grid)
            ),
        ));
    }
    let data = a.data.iter().zip(&b.data).map(|(x, y)| x - y).collect();
    Ok(Field { data, ..a })
}

/// The finite values' range over `fields` (∞, −∞ when there is none).
fn data_range<'a>(fields: impl Iterator<Item = &'a Field>) -> [f64; 2] {
    fields.fold([f64::INFINITY, f64::NEG_INFINITY], |r, f| {
        f.data
            .iter()
            .filter(|v| v.is_finite())
            .fold(r, |[lo, hi], &v| {
                [lo.min(f64::from(v)), hi.max(f64::from(v))]
            })
    })
}

/// Limits symmetric about 0 that hold `range`: a diverging map (RdBu_r, for
/// differences) is centred at 0, white meaning no change (±1 for an empty or all-zero
/// range).
fn centred([lo, hi]: [f64; 2]) -> [f64; 2] {
    let m = lo.abs().max(hi.abs());
    if m.is_finite() && m > 0.0 {
        [-m, m]
    } else {
        [-1.0, 1.0]
    }
}

/// The colour limits without `--limits`: centred at 0 on a diverging map; else the
/// field's own, else the panels' data range (widened to include 0 when it is a single
/// value).
fn default_limits(field: &Field, panels: &[PanelSource], colormap: Colormap) -> [f64; 2] {
    let data_range = data_range(panels.iter().map(|p| &p.1));
    if colormap.diverging {
        return centred(data_range);
    }
    FigureStyle::default_limits(&field.name, &OutputSpec::default()).unwrap_or(
        if data_range[0] < data_range[1] {
            data_range
        } else {
            [data_range[0].min(0.0), data_range[0].max(0.0) + 1.0]
        },
    )
}

/// `--animate`: the snapshots of `field` as an animated PNG.
fn animate(
    args: &RenderArgs,
    run: &RunDir,
    field: &Field,
    spec: &SliceSpec,
    vessels: Option<&[f32]>,
    colormap: Colormap,
) -> Result<()> {
    let limits = match &args.limits {
        Some(text) => parse_pair(text, "--limits")?,
        None if colormap.diverging => centred(data_range(std::iter::once(field))),
        None => {
            FigureStyle::default_limits(&field.name, &OutputSpec::default()).unwrap_or([0.0, 1.0])
        }
    };
    let style = figure_style(args, field, limits, colormap)?;
    let frames =
        oxyfield::output::figures::snapshot_frames(&run.path, &field.name, spec, vessels, &style)?
            .ok_or_else(|| {
                Error::input(
                    "--animate",
                    format!(
                        "{} has fewer than two snapshots/{}_tXh.npy; a protocol run with \
                 `snapshots` or `snapshot_every` writes them",
                        run.path.display(),
                        field.name
                    ),
                )
            })?;
    let out = match &args.out {
        Some(p) => p.clone(),
        None => oxyfield::output::figures::figures_dir(&run.path)?.join(format!(
            "{}_{}_anim.png",
            field.name,
            spec.plane.name()
        )),
    };
    oxyfield::figures::animate::write_apng(&out, &frames, args.frame_ms, style.dpi)?;
    println!(
        "{} ({} frames of {}×{} px, {} ms each)",
        out.display(),
        frames.len(),
        frames[0].width(),
        frames[0].height(),
        args.frame_ms
    );
    Ok(())
}

/// The last component of a run folder's path, as a panel title.
pub(super) fn folder_name(run: &RunDir) -> String {
    run.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| run.path.display().to_string())
}

/// The figure style the flags ask for, for `field` between `limits`.
fn figure_style(
    args: &RenderArgs,
    field: &Field,
    limits: [f64; 2],
    colormap: Colormap,
) -> Result<FigureStyle> {
    if !(0.5..=100.0).contains(&args.width_in) {
        return Err(Error::input(
            "--width-in",
            format!(
                "is {}; give a panel width between 0.5 and 100 inches (3 for a column figure)",
                args.width_in
            ),
        ));
    }
    if !(10..=2400).contains(&args.dpi) {
        return Err(Error::input(
            "--dpi",
            format!(
                "is {}; give 10 to 2400 dots per inch (150 screen, 300 print)",
                args.dpi
            ),
        ));
    }
    let mut style = FigureStyle::for_field(&field.name, &field.units, limits, colormap);
    style.dpi = args.dpi;
    style.panel = PanelSize::WidthInches(args.width_in);
    style.title = args.title.clone();
    if let Some(text) = &args.contours {
        style.contours = parse_contours(text)?;
    }
    Ok(style)
}

/// `centre`, an index, or µm (`320um`, `320µm`).
fn parse_at(text: &str) -> Result<SlicePos> {
    SlicePos::parse(text).map_err(|e| Error::input("--at", e))
}

/// The part of a file name that says where the slice is.
fn at_tag(text: &str) -> String {
    let t = text.trim();
    if t == "centre" || t == "center" {
        String::new()
    } else {
        format!("_at{}", t.replace('µ', "u"))
    }
}

/// "LOW,HIGH" with LOW < HIGH.
pub(super) fn parse_pair(text: &str, flag: &str) -> Result<[f64; 2]> {
    let v: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::input(flag, format!("`{text}`: write two numbers, e.g. 0,100")))?;
    match v[..] {
        [lo, hi]
            if lo.is_finite()
                && hi.is_finite()
                && hi - lo > 1e-9 * lo.abs().max(hi.abs()).max(1e-30) =>
        {
            Ok([lo, hi])
        }
        _ => Err(Error::input(
            flag,
            format!("`{text}`: write two finite numbers, low then high, e.g. 0,100"),
        )),
    }
}

/// "none" or levels; the first solid, the rest dashed, white.
fn parse_contours(text: &str) -> Result<Vec<(f64, LineStyle)>> {
    if text.trim() == "none" {
        return Ok(Vec::new());
    }
    text.split(',')
        .enumerate()
        .map(|(i, s)| {
            let level: f64 = s.trim().parse().map_err(|_| {
                Error::input(
                    "--contours",
                    format!("`{text}`: write levels such as 2.5,10, or none"),
                )
            })?;
            let white = [255, 255, 255];
            Ok((
                level,
                if i == 0 {
                    LineStyle::solid(white, 1.0)
                } else {
                    LineStyle::dashed(white, 1.0)
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, data: Vec<f32>) -> Field {
        Field {
            name: name.into(),
            grid: oxyfield::grid::Grid::from_shape_zyx([1, 1, data.len()], 10.0),
            data,
            units: "mmHg".into(),
            description: String::new(),
        }
    }

    /// Issue 23.7: RdBu_r without `--limits` is centred at 0 (a difference of −3 to +8
    /// gets ±8); a sequential map keeps the field's own limits or the data range.
    #[test]
    fn a_diverging_map_is_centred_at_zero() {
        let diff = field("diff", vec![-3.0, 0.5, 8.0, f32::NAN]);
        let panels = vec![(
            None,
            diff.clone(),
            SliceSpec::centre(oxyfield::figures::Plane::Xy),
        )];
        assert_eq!(
            default_limits(&diff, &panels, Colormap::RDBU_R),
            [-8.0, 8.0]
        );
        assert_eq!(
            default_limits(&diff, &panels, Colormap::VIRIDIS),
            [-3.0, 8.0]
        );
        let zeros = field("diff", vec![0.0; 3]);
        let panels = vec![(
            None,
            zeros.clone(),
            SliceSpec::centre(oxyfield::figures::Plane::Xy),
        )];
        assert_eq!(
            default_limits(&zeros, &panels, Colormap::RDBU_R),
            [-1.0, 1.0]
        );
    }
}
