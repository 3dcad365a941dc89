//! `oxyfield report`: the page of a batch and of a run, every figure it names present
//! beside it; and, in a real headless Chromium (CI installs it), that every image loads
//! from a `file://` URL and that clicking a column header sorts the scenario table.
//! The browser's screenshot is kept in the target folder when the test fails.

use crate::common::{self, oxyfield};
use crate::webdriver::Browser;
use std::path::Path;

/// A 3 × 2 sweep of small steady scenarios (vessel density × consumption) on the
/// embedded default, run and collected into `out`.
fn small_batch(dir: &Path, out: &Path) {
    let sweep = dir.join("sweep.toml");
    std::fs::write(
        &sweep,
        "schema_version = 1\nname = \"report-test\"\nbase = \"default\"\n[vary]\n\
         \"grid.shape_zyx\" = [[12, 24, 24]]\n\
         \"vessels.synthetic.density_mm_per_mm3\" = [60.0, 120.0, 200.0]\n\
         \"oxygen.max_consumption_mmhg_per_s\" = [10.0, 20.0]\n",
    )
    .unwrap();
    let r = oxyfield()
        .arg("batch")
        .arg(&sweep)
        .args(["--backend", "cpu", "--collect", "--out"])
        .arg(out)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", common::stderr(&r));
}

/// The `src` of every `<img>` in `html`.
fn image_sources(html: &str) -> Vec<String> {
    html.split("<img src=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("%20", " "))
        .collect()
}

fn report(dir: &Path) -> String {
    let r = oxyfield().arg("report").arg(dir).output().unwrap();
    assert!(r.status.success(), "{}", common::stderr(&r));
    assert_eq!(
        common::stdout(&r).trim(),
        dir.join("report.html").display().to_string()
    );
    std::fs::read_to_string(dir.join("report.html")).unwrap()
}

#[test]
fn a_batch_report_links_its_figures_and_sorts_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("batch");
    small_batch(dir.path(), &out);
    let html = report(&out);

    // Self-contained: no network reference; every image is a file beside the page.
    assert!(!html.contains("http://") && !html.contains("https://"));
    let images = image_sources(&html);
    // The montage, two metric plots (density, consumption) and six scenario maps.
    assert_eq!(images.len(), 9, "{images:?}");
    for src in &images {
        assert!(out.join(src).is_file(), "{src} is missing");
    }
    assert!(images.contains(&"batch_vs_density_mm_per_mm3.png".to_string()));
    assert!(
        html.contains("density 120 mm/mm³"),
        "captions name parameter values"
    );
    assert_eq!(
        html.matches("<tr>").count(),
        7,
        "a header and six scenario rows"
    );

    let Some(browser) =
        Browser::start("a_batch_report_links_its_figures_and_sorts_in_a_real_browser")
    else {
        return;
    };
    let url = format!("file://{}", out.join("report.html").display());
    browser.open(&url);
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_test_screenshot.png");
    std::fs::write(&shot, browser.screenshot()).unwrap();
    let loaded = browser.script(
        "return Array.from(document.images).map(function (i) { \
           return [i.getAttribute('src'), i.complete && i.naturalWidth > 0]; });",
    );
    let loaded = loaded.as_array().expect("a list");
    assert_eq!(
        loaded.len(),
        9,
        "{loaded:?} (screenshot: {})",
        shot.display()
    );
    for img in loaded {
        assert_eq!(
            img[1],
            true,
            "{} did not load (screenshot: {})",
            img[0],
            shot.display()
        );
    }

    let column = "return Array.from(document.querySelectorAll('#scenarios tbody tr')).map(\
                  function (r) { return parseFloat(r.cells[COL].getAttribute('data-sort')); });";
    let col = browser.script(
        "return Array.from(document.querySelectorAll('#scenarios thead th'))\
         .findIndex(function (h) { return h.dataset.col === 'median_po2_mmhg'; });",
    );
    let column = column.replace("COL", &col.to_string());
    let values = |b: &Browser| -> Vec<f64> {
        b.script(&column)
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let before = values(&browser);
    assert!(
        before.windows(2).any(|w| w[0] > w[1]),
        "the batch order is not already sorted by median: {before:?}"
    );
    browser.click("#scenarios th[data-col='median_po2_mmhg']");
    let up = values(&browser);
    assert!(up.windows(2).all(|w| w[0] <= w[1]), "ascending: {up:?}");
    browser.click("#scenarios th[data-col='median_po2_mmhg']");
    let down = values(&browser);
    assert!(
        down.windows(2).all(|w| w[0] >= w[1]),
        "descending: {down:?}"
    );
    let mut sorted = before.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(up, sorted, "sorting keeps every row");
    std::fs::write(&shot, browser.screenshot()).unwrap();
    // Passed: the screenshot is only kept for a failure.
    let _ = std::fs::remove_file(&shot);
}

#[test]
fn a_run_report_shows_its_numbers_figures_and_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("s.toml");
    let default = std::fs::read_to_string("assets/scenarios/default.toml").unwrap();
    std::fs::write(
        &sc,
        default.replace("shape_zyx = [64, 128, 128]", "shape_zyx = [12, 24, 24]"),
    )
    .unwrap();
    let out = dir.path().join("run");
    let r = common::run_cpu(&sc, &out);
    assert!(r.status.success(), "{}", common::stderr(&r));
    let html = report(&out);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let median = summary["o2"]["median_mmhg"].as_f64().unwrap();
    assert!(
        html.contains(&format!("data-sort=\"{median}\"")),
        "the median pO2 {median} is in the numbers table"
    );
    let images = image_sources(&html);
    assert!(
        images.iter().any(|i| i == "figures/o2_planes.png"),
        "{images:?}"
    );
    for src in &images {
        assert!(out.join(src).is_file(), "{src} is missing");
    }
    assert!(html.contains("s.toml"), "the command is in the provenance");
    assert!(
        html.contains("[oxygen]"),
        "the scenario TOML is in the provenance"
    );
}

#[test]
fn a_folder_that_is_neither_run_nor_batch_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let r = oxyfield().arg("report").arg(dir.path()).output().unwrap();
    assert!(!r.status.success());
    let err = common::stderr(&r);
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
    assert!(err.contains("oxyfield run --out"), "{err}");
    assert!(!dir.path().join("report.html").exists());
}

/// A protocol sweep's report shows each scenario's timeline beside its map, with the
/// timeline's numbers linked.
#[test]
fn a_protocol_batch_report_has_each_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let default = std::fs::read_to_string("assets/scenarios/default.toml").unwrap();
    let base = dir.path().join("base.toml");
    std::fs::write(
        &base,
        default.replace("shape_zyx = [64, 128, 128]", "shape_zyx = [8, 16, 16]")
            + "\n[protocol]\nschema_version = 1\nduration = \"12h\"\ntime_step = \"6h\"\n\
               [[protocol.radiotherapy]]\ndose_gy = 2.0\nat = [\"0h\"]\n",
    )
    .unwrap();
    let sweep = dir.path().join("sweep.toml");
    std::fs::write(
        &sweep,
        "schema_version = 1\nname = \"p\"\nbase = \"base.toml\"\n[vary]\n\
         \"vessels.synthetic.density_mm_per_mm3\" = [60.0, 150.0]\n",
    )
    .unwrap();
    let out = dir.path().join("batch");
    let r = oxyfield()
        .arg("batch")
        .arg(&sweep)
        .args(["--backend", "cpu", "--collect", "--out"])
        .arg(&out)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", common::stderr(&r));
    let html = report(&out);
    let timelines: Vec<String> = image_sources(&html)
        .into_iter()
        .filter(|s| s.ends_with("figures/timeline.png"))
        .collect();
    assert_eq!(timelines.len(), 2, "{html}");
    for t in &timelines {
        assert!(out.join(t).is_file());
        let csv = t.replace("figures/timeline.png", "timeline.csv");
        assert!(html.contains(&format!("href=\"{csv}\"")), "{csv} is linked");
    }
    assert!(html.contains(">tcp<"), "the table has the protocol columns");
}
