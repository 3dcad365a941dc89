//! `oxyfield render RUN_DIR`: figures from a run's saved fields, without re-simulating.

use super::RenderArgs;
use crate::config::schema::OutputSpec;
use crate::figures::{
    render_montage, render_panel, write_png, FigureStyle, LineStyle, Panel, PanelSize, Plane,
    Projection, SlicePos, SliceSpec,
};
use crate::output::colormap::Colormap;
use crate::rundir::{load_field, Field, RunDir};
use crate::{Error, Result};

pub fn render(args: RenderArgs) -> Result<()> {
    let run = RunDir::open(&args.run_dir)?;
    let field = run.load(&args.field)?;
    let plane = match args.plane.as_str() {
        "xy" => Plane::Xy,
        "xz" => Plane::Xz,
        "yz" => Plane::Yz,
        p => return Err(Error::input("--plane", format!("`{p}`: use xy, xz or yz"))),
    };
    let at = parse_at(&args.at)?;
    let projection = match args.projection.as_deref() {
        None => None,
        Some("max") => Some(Projection::Max),
        Some("min") => Some(Projection::Min),
        Some("mean") => Some(Projection::Mean),
        Some(p) => {
            return Err(Error::input(
                "--projection",
                format!("`{p}`: use max, min or mean"),
            ))
        }
    };
    let colormap = Colormap::by_name(&args.colormap).ok_or_else(|| {
        Error::input(
            "--colormap",
            format!(
                "`{}`: use one of {}",
                args.colormap,
                Colormap::NAMES.join(", ")
            ),
        )
    })?;
    // Outlines on slices only: a projection through a whole network is a thicket.
    let vessels = if args.no_vessels || projection.is_some() {
        None
    } else {
        let path = run.path.join("vessels_sv.npy");
        path.exists()
            .then(|| load_field(&path))
            .transpose()?
            .filter(|v| v.grid == field.grid)
            .map(|v| {
                v.data
                    .iter()
                    .map(|&s| f32::from(u8::from(s > 0.0)))
                    .collect::<Vec<f32>>()
            })
    };
    let spec = SliceSpec {
        plane,
        at,
        projection,
    };
    // The panels, and a file name that says what they show.
    let (panels, stem): (Vec<(Option<String>, Field, SliceSpec)>, String) =
        match args.montage.as_deref() {
            None => (
                vec![(None, field.clone(), spec)],
                format!(
                    "{}_{}{}",
                    field.name,
                    plane.name(),
                    projection.map_or_else(|| at_tag(&args.at), |p| format!("_{}", p.name()))
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
                Some(n) if (1..=64).contains(&n) => {
                    let depth = match plane {
                        Plane::Xy => field.grid.nz,
                        Plane::Xz => field.grid.ny,
                        Plane::Yz => field.grid.nx,
                    };
                    let panels = (0..n)
                        .map(|k| {
                            let index = ((k as f64 + 0.5) * depth as f64 / n as f64) as usize;
                            let spec = SliceSpec {
                                plane,
                                at: SlicePos::Index(index.min(depth - 1)),
                                projection: None,
                            };
                            (None, field.clone(), spec)
                        })
                        .collect();
                    (panels, format!("{}_{}_levels{n}", field.name, plane.name()))
                }
                _ => {
                    return Err(Error::input(
                        "--montage",
                        format!("`{m}`: use planes, levels:N (1–64) or snapshots"),
                    ))
                }
            },
        };
    let data_range = panels
        .iter()
        .fold([f64::INFINITY, f64::NEG_INFINITY], |r, p| {
            p.1.data
                .iter()
                .filter(|v| v.is_finite())
                .fold(r, |[lo, hi], &v| {
                    [lo.min(f64::from(v)), hi.max(f64::from(v))]
                })
        });
    let limits = match &args.limits {
        Some(text) => parse_pair(text, "--limits")?,
        None => FigureStyle::default_limits(&field.name, &OutputSpec::default()).unwrap_or(
            if data_range[0] < data_range[1] {
                data_range
            } else {
                [data_range[0].min(0.0), data_range[0].max(0.0) + 1.0]
            },
        ),
    };
    let mut style = FigureStyle::for_field(&field.name, &field.units, limits, colormap);
    style.dpi = args.dpi;
    style.panel = PanelSize::WidthInches(args.width_in);
    style.title = args.title.clone();
    if let Some(text) = &args.contours {
        style.contours = parse_contours(text)?;
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

/// `centre`, an index, or µm (`320um`, `320µm`).
fn parse_at(text: &str) -> Result<SlicePos> {
    let t = text.trim();
    if t == "centre" || t == "center" {
        return Ok(SlicePos::Centre);
    }
    if let Some(um) = t.strip_suffix("um").or_else(|| t.strip_suffix("µm")) {
        return um
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(SlicePos::Um)
            .ok_or_else(|| Error::input("--at", format!("`{text}`: write µm as e.g. 320um")));
    }
    t.parse::<usize>().map(SlicePos::Index).map_err(|_| {
        Error::input(
            "--at",
            format!("`{text}`: use centre, a voxel index (12) or µm (320um)"),
        )
    })
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
fn parse_pair(text: &str, flag: &str) -> Result<[f64; 2]> {
    let v: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::input(flag, format!("`{text}`: write two numbers, e.g. 0,100")))?;
    match v[..] {
        [lo, hi] if lo.is_finite() && hi.is_finite() && lo < hi => Ok([lo, hi]),
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
