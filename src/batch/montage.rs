//! `batch_montage.png`: one xy centre slice of pO2 per scenario at shared colour
//! limits, laid out by the sweep's axes (the varied parameter with the most values
//! across, the others down) and titled by parameter values, not ids.

use super::axes::{value_text, SweepAxis};
use super::collect::Finished;
use crate::colormap::Colormap;
use crate::figures::{render_montage, write_png, FigureStyle, Panel, PanelSize, Plane, SliceSpec};
use crate::rundir::load_field;
use crate::Result;
use std::path::{Path, PathBuf};

/// Writes `out/batch_montage.png` from the scenarios that have `o2.npy`; `None` when
/// none has.
pub(crate) fn montage(
    out: &Path,
    found: &[Finished],
    axes: &[SweepAxis],
    limits: [f64; 2],
) -> Result<Option<PathBuf>> {
    let layout = Grid::of(found, axes);
    let mut panels = Vec::new();
    let mut longest = 0;
    for &n in &layout.order {
        let f = &found[n];
        let path = f.dir.join("o2.npy");
        if !path.is_file() {
            continue;
        }
        let field = load_field(&path)?;
        let title = layout.title(f);
        longest = longest.max(title.chars().count());
        panels.push(
            Panel::from_field(
                &field.data,
                &field.grid,
                &SliceSpec::centre(Plane::Xy),
                None,
            )?
            .with_title(title),
        );
    }
    if panels.is_empty() {
        return Ok(None);
    }
    let mut style = FigureStyle::for_field("o2", "mmHg", limits, Colormap::VIRIDIS);
    // Wide enough for the panel titles at the figure's 8 pt.
    style.panel = PanelSize::WidthInches((0.068 * longest as f64).clamp(2.0, 3.6));
    let columns = if panels.len() == found.len() {
        layout.columns
    } else {
        (panels.len() as f64).sqrt().ceil() as usize
    };
    let fig = render_montage(
        &panels,
        columns.max(1),
        &style,
        Some(&layout.figure_title()),
    )?;
    let path = out.join("batch_montage.png");
    write_png(&path, &fig.image, style.dpi)?;
    Ok(Some(path))
}

/// Where each scenario goes.
struct Grid<'a> {
    /// Scenario numbers in panel order (row-major).
    order: Vec<usize>,
    /// Panels per row.
    columns: usize,
    /// The axes in title order: the column axis first.
    titled: Vec<&'a SweepAxis>,
}

impl<'a> Grid<'a> {
    /// The column axis is the varied parameter with the most values (the seed aside); rows are
    /// the other axes' combinations, in their order. A sweep that is not a full
    /// product (a zip sweep, a batch still running) is laid out in a near-square grid
    /// in the same order.
    fn of(found: &[Finished], axes: &'a [SweepAxis]) -> Self {
        let mut titled: Vec<&SweepAxis> = axes.iter().filter(|a| !a.is_seed()).collect();
        // Across: the parameter with the most values (the first of those).
        if let Some(widest) =
            (0..titled.len()).max_by_key(|&i| (titled[i].values.len(), usize::MAX - i))
        {
            let a = titled.remove(widest);
            titled.insert(0, a);
        }
        titled.extend(axes.iter().filter(|a| a.is_seed()));
        let mut order: Vec<usize> = (0..found.len()).collect();
        // Rows by the later axes (first of them slowest), the column axis fastest.
        let key = |n: usize| -> Vec<usize> {
            let p = &found[n].manifest["parameters"];
            let mut k: Vec<usize> = titled[1.min(titled.len())..]
                .iter()
                .map(|a| a.index_of(&p[&a.key]))
                .collect();
            if let Some(a) = titled.first() {
                k.push(a.index_of(&p[&a.key]));
            }
            k
        };
        order.sort_by_key(|&n| key(n));
        let full: usize = axes.iter().map(|a| a.values.len()).product();
        let columns = match titled.first() {
            Some(a) if full == found.len() => a.values.len(),
            _ => (found.len() as f64).sqrt().ceil() as usize,
        };
        Grid {
            order,
            columns,
            titled,
        }
    }

    /// A panel's title: its value on every axis ("density 60 · max consumption 10"),
    /// or its id when the batch varies nothing.
    fn title(&self, f: &Finished) -> String {
        if self.titled.is_empty() {
            return f.manifest["id"].as_str().unwrap_or("").to_string();
        }
        let p = &f.manifest["parameters"];
        self.titled
            .iter()
            .map(|a| format!("{} {}", a.label().0, value_text(&p[&a.key])))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// The figure's title, with the axes' units.
    fn figure_title(&self) -> String {
        let units: Vec<String> = self
            .titled
            .iter()
            .filter_map(|a| {
                let (name, unit) = a.label();
                (!unit.is_empty()).then(|| format!("{name} in {unit}"))
            })
            .collect();
        let mut title = String::from("pO\u{2082}, xy centre slices");
        if !units.is_empty() {
            title.push_str(&format!(" ({})", units.join(", ")));
        }
        title
    }
}
