//! `oxyfield render RUN_DIR --plot KIND`: the run's plots redrawn from its saved
//! fields or timeline (the same tissue voxels, bins and titles as the run's own), as
//! PNG and SVG with their numbers as CSV.

use super::choices::PlotArg;
use super::render::{folder_name, parse_pair};
use super::RenderArgs;
use oxyfield::rundir::{load_field, Field, RunDir};
use oxyfield::{Error, Result};
use std::path::PathBuf;

/// `--plot KIND`: a plot from the saved fields or timeline, as PNG and SVG.
pub(super) fn plot(args: &RenderArgs, run: &RunDir, kind: PlotArg) -> Result<()> {
    use oxyfield::figures::plot;
    let stem = |name: &str| -> Result<PathBuf> {
        Ok(match &args.out {
            Some(p) => p.with_extension(""),
            None => oxyfield::output::figures::figures_dir(&run.path)?.join(name),
        })
    };
    let title = |default: String| args.title.clone().unwrap_or(default);
    // Tissue: the voxels the run's statistics count (`tissue.npy`); a folder written
    // before that file existed falls back to the voxels without vessel wall.
    let tissue_values = |field: &Field| -> Result<(Vec<usize>, Option<Field>)> {
        let optional = |name: &str| -> Result<Option<Field>> {
            let path = run.path.join(name);
            Ok(path
                .exists()
                .then(|| load_field(&path))
                .transpose()?
                .filter(|v| v.grid == field.grid))
        };
        let sv = optional("vessels_sv.npy")?;
        let keep: Vec<usize> = match (optional("tissue.npy")?, &sv) {
            (Some(t), _) => (0..t.data.len()).filter(|&i| t.data[i] > 0.0).collect(),
            (None, Some(sv)) => (0..sv.data.len()).filter(|&i| sv.data[i] <= 0.0).collect(),
            (None, None) => (0..field.data.len()).collect(),
        };
        Ok((keep, sv))
    };
    let (png, svg) = match kind {
        PlotArg::Histogram => {
            let field = run.load(&args.field)?;
            let (keep, _) = tissue_values(&field)?;
            let values: Vec<f32> = keep.iter().map(|&i| field.data[i]).collect();
            let top = match &args.limits {
                Some(t) => parse_pair(t, "--limits")?[1],
                None => 100.0,
            };
            let name = format!("{}_histogram", field.name);
            oxyfield::output::figures::write_histogram(
                &values,
                (top / 100.0).max(1e-6),
                top,
                &title(oxyfield::output::figures::histogram_title(
                    &scenario_name(run),
                    &field.name,
                )),
                &stem(&name)?,
                args.dpi,
            )?
        }
        PlotArg::Distance => {
            let field = run.load(&args.field)?;
            let (keep, sv) = tissue_values(&field)?;
            let sv = sv.ok_or_else(|| {
                Error::input(
                    "--plot",
                    format!(
                        "distance: {} has no vessels_sv.npy of the field's grid to measure \
                         distances from",
                        run.path.display()
                    ),
                )
            })?;
            let distance = oxyfield::figures::distance::distance_to_vessels_um(&sv.data, &sv.grid)?;
            let values: Vec<f32> = keep.iter().map(|&i| field.data[i]).collect();
            let d: Vec<f32> = keep.iter().map(|&i| distance[i]).collect();
            let name = format!("{}_vs_distance", field.name);
            oxyfield::output::figures::write_distance_profile(
                &values,
                &d,
                field.grid.spacing_um.max(1.0),
                &title(oxyfield::output::figures::distance_title(
                    &scenario_name(run),
                    &field.name,
                )),
                &stem(&name)?,
                args.dpi,
            )?
        }
        PlotArg::Timeline => {
            let path = run.path.join("timeline.json");
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Error::input(
                    &path,
                    format!("cannot read it ({e}); --plot timeline needs a protocol run's folder"),
                )
            })?;
            let doc: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| Error::input(&path, format!("is not JSON ({e})")))?;
            let data = oxyfield::output::timeline::figure_data_from_json(&doc);
            plot::protocol_timeline(&data)?
                .with_title(title(format!("{}", run.path.display())))
                .write(&stem("timeline")?, args.dpi)?
        }
    };
    println!("{} and {}", png.display(), svg.display());
    Ok(())
}

/// The run's scenario name (its `summary.json`), else the folder's name: the same
/// titles as the run's own figures.
fn scenario_name(run: &RunDir) -> String {
    std::fs::read_to_string(run.path.join("summary.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["scenario"].as_str().map(str::to_string))
        .unwrap_or_else(|| folder_name(run))
}
