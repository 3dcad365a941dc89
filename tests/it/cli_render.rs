//! `oxyfield render` on a run's output folder: slices, projections and montages as PNG
//! with their DPI recorded, and clear errors for bad flags.

use std::path::Path;
use std::process::Command;

fn oxyfield() -> Command {
    Command::new(env!("CARGO_BIN_EXE_oxyfield"))
}

/// A small run with a protocol that writes snapshots; returns its output folder.
fn small_run(dir: &Path) -> std::path::PathBuf {
    let scenario = dir.join("small.toml");
    std::fs::write(
        &scenario,
        "name = \"small\"\nseed = 5\n[grid]\nshape_zyx = [10, 16, 20]\nspacing_um = 10.0\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 150.0\n[ros]\nenabled = false\n\
         [protocol]\nschema_version = 1\nduration = \"12h\"\ntime_step = \"6h\"\n\
         snapshots = [\"0h\", \"6h\", \"end\"]\n[[protocol.radiotherapy]]\ndose_gy = 8.0\n\
         at = [\"0h\"]\n",
    )
    .unwrap();
    let out = dir.join("out");
    let r = oxyfield()
        .arg("run")
        .arg(&scenario)
        .args(["--backend", "cpu", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    out
}

fn render(out: &Path, args: &[&str]) -> std::process::Output {
    oxyfield()
        .arg("render")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

/// pixels per metre in the PNG's pHYs chunk.
fn phys(path: &Path) -> u32 {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let reader = decoder.read_info().unwrap();
    let d = reader.info().pixel_dims.expect("pHYs");
    assert_eq!(d.xppu, d.yppu);
    d.xppu
}

/// Frames of an animated PNG.
fn apng_frames(path: &Path) -> u32 {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let reader = decoder.read_info().unwrap();
    reader
        .info()
        .animation_control
        .expect("an animated PNG")
        .num_frames
}

#[test]
fn render_writes_slices_projections_and_montages() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_run(dir.path());
    let figures = out.join("figures");
    for (args, file) in [
        (vec![], "o2_xy.png"),
        (vec!["--plane", "xz", "--at", "55um"], "o2_xz_at55um.png"),
        (
            vec!["--field", "viable", "--projection", "min"],
            "viable_xy_min.png",
        ),
        (vec!["--montage", "planes"], "o2_planes.png"),
        (
            vec!["--montage", "levels:3", "--colormap", "cividis"],
            "o2_xy_levels3.png",
        ),
        (vec!["--montage", "snapshots"], "o2_xy_snapshots.png"),
    ] {
        let r = render(&out, &args);
        assert!(
            r.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let path = figures.join(file);
        let img = image::open(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(img.width() > 100 && img.height() > 50, "{file}");
        assert_eq!(phys(&path), 5906, "{file}: 150 dpi"); // round(150 / 0.0254)
    }
    // The run itself made the montage, the timeline plot and the animation of its 3
    // snapshots.
    for f in [
        "o2_planes.png",
        "o2_xy_anim.png",
        "timeline.png",
        "timeline.svg",
    ] {
        assert!(figures.join(f).exists(), "{f}");
    }
    assert_eq!(apng_frames(&figures.join("o2_xy_anim.png")), 3);
    let r = render(&out, &["--animate", "--plane", "xz", "--frame-ms", "250"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(apng_frames(&figures.join("o2_xz_anim.png")), 3);
    // Plots from the saved fields and timeline, PNG and SVG.
    for (kind, stem) in [
        ("timeline", "timeline"),
        ("histogram", "o2_histogram"),
        ("distance", "o2_vs_distance"),
    ] {
        let r = render(&out, &["--plot", kind]);
        assert!(
            r.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert_eq!(phys(&figures.join(format!("{stem}.png"))), 5906);
        let svg = std::fs::read_to_string(figures.join(format!("{stem}.svg"))).unwrap();
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{kind}: {e}"));
    }
    // An explicit file and DPI.
    let file = dir.path().join("fig.png");
    let r = render(
        &out,
        &[
            "--dpi",
            "300",
            "--limits",
            "0,60",
            "--contours",
            "5",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(phys(&file), 11811);
    // The snapshot montage has one panel per snapshot: wider than a single panel.
    let one = image::open(figures.join("o2_xy.png")).unwrap();
    let three = image::open(figures.join("o2_xy_snapshots.png")).unwrap();
    assert!(three.width() > 2 * one.width());
}

#[test]
fn bad_render_flags_name_the_flag_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = small_run(dir.path());
    for (args, flag, hint) in [
        (
            vec!["--plane", "zz"],
            "--plane",
            "possible values: xy, xz, yz",
        ),
        (vec!["--field", "nope"], "--field", "its fields are"),
        (vec!["--at", "5000um"], "--at", "outside the block"),
        (vec!["--at", "middle"], "--at", "320um"),
        (vec!["--limits", "10,5"], "--limits", "low then high"),
        (vec!["--limits", "0,1e-320"], "--limits", "low then high"),
        (
            vec!["--width-in", "1e300"],
            "--width-in",
            "between 0.5 and 100",
        ),
        (vec!["--dpi", "0"], "--dpi", "10 to 2400"),
        (vec!["--montage", "levels:0"], "--montage", "levels:N"),
        (vec!["--colormap", "jet"], "--colormap", "viridis"),
        (
            vec!["--plot", "pie"],
            "--plot",
            "possible values: histogram, distance, timeline",
        ),
    ] {
        let r = render(&out, &args);
        assert_eq!(r.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains(flag) && err.contains(hint), "{args:?}: {err}");
    }
    let r = render(&dir.path().join("missing"), &[]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("not a folder"));
}

/// Several run folders make one montage with a panel per run and one colorbar.
#[test]
fn several_runs_compare_in_one_montage() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ra, rb) = (small_run(a.path()), small_run(b.path()));
    let r = oxyfield()
        .arg("render")
        .arg(&ra)
        .arg(&rb)
        .args(["--plane", "xz"])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let both = image::open(ra.join("figures/o2_xz_runs.png")).unwrap();
    let r = render(&ra, &["--plane", "xz"]);
    assert!(r.status.success());
    let one = image::open(ra.join("figures/o2_xz.png")).unwrap();
    assert!(both.width() > one.width() + one.width() / 2);
    let r = oxyfield()
        .arg("render")
        .arg(&ra)
        .arg(&rb)
        .args(["--montage", "planes"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("one panel per run"));
}

/// Issue 23.7: `render --field vessels_pb` shows blood pO2 only at the vessel walls;
/// tissue without wall is grey (no data), not "0 mmHg of blood".
#[test]
fn blood_po2_is_grey_where_there_is_no_wall() {
    let dir = tempfile::tempdir().unwrap();
    // A steady run: it writes vessels_pb.npy (a protocol run writes its final state).
    let scenario = dir.path().join("steady.toml");
    std::fs::write(
        &scenario,
        "name = \"steady\"\nseed = 5\n[grid]\nshape_zyx = [10, 16, 20]\nspacing_um = 10.0\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 150.0\n[ros]\nenabled = false\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let r = oxyfield()
        .arg("run")
        .arg(&scenario)
        .args(["--backend", "cpu", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let o = render(&out, &["--field", "vessels_pb"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let img = image::open(out.join("figures/vessels_pb_xy.png"))
        .unwrap()
        .to_rgb8();
    let grey = img.pixels().filter(|p| p.0 == [200, 200, 200]).count();
    let share = grey as f64 / (img.width() * img.height()) as f64;
    // Most of the block has no wall at 150 mm/mm³; the panel is most of the figure.
    assert!(
        share > 0.2,
        "grey (no wall) covers {:.1} % of the figure",
        100.0 * share
    );
    // The same render of o2 has no such grey: the mask is blood pO2's alone.
    let o = render(&out, &["--field", "o2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o2 = image::open(out.join("figures/o2_xy.png"))
        .unwrap()
        .to_rgb8();
    let grey = o2.pixels().filter(|p| p.0 == [200, 200, 200]).count();
    assert!((grey as f64) < 0.02 * f64::from(o2.width() * o2.height()));
}

/// A steady run of a 10 × 16 × 20 block at `density` mm/mm³, in `dir/name`.
fn steady_run(dir: &Path, name: &str, density: f64, shape: &str) -> std::path::PathBuf {
    let scenario = dir.join(format!("{name}.toml"));
    std::fs::write(
        &scenario,
        format!(
            "name = \"{name}\"\nseed = 5\n[grid]\nshape_zyx = {shape}\nspacing_um = 10.0\n\
             [vessels.synthetic]\ndensity_mm_per_mm3 = {density}\n[ros]\nenabled = false\n"
        ),
    )
    .unwrap();
    let out = dir.join(name);
    let r = oxyfield()
        .arg("run")
        .arg(&scenario)
        .args(["--backend", "cpu", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    out
}

/// Pixels clearly red and clearly blue (RdBu_r: positive and negative differences).
fn red_and_blue(path: &Path) -> (usize, usize) {
    let img = image::open(path).unwrap().to_rgb8();
    let red = img
        .pixels()
        .filter(|p| i32::from(p.0[0]) > i32::from(p.0[2]) + 40)
        .count();
    let blue = img
        .pixels()
        .filter(|p| i32::from(p.0[2]) > i32::from(p.0[0]) + 40)
        .count();
    (red, blue)
}

/// Issue 23.6: `render A --minus B` draws A − B on a diverging map centred at 0.
#[test]
fn a_difference_map_is_centred_at_zero_and_needs_one_grid() {
    let dir = tempfile::tempdir().unwrap();
    let dense = steady_run(dir.path(), "dense", 200.0, "[10, 16, 20]");
    let sparse = steady_run(dir.path(), "sparse", 60.0, "[10, 16, 20]");
    let o = render(&dense, &["--minus", sparse.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let path = dense.join("figures/o2_xy_minus_sparse.png");
    assert!(path.is_file());
    // More vessels, more oxygen: the difference is mostly positive (red), and the
    // colorbar's negative half (blue) is there too, so red clearly outweighs blue
    // only inside the map.
    let (red, blue) = red_and_blue(&path);
    assert!(red > 2 * blue, "red {red} px, blue {blue} px");
    // The other way round swaps the colours: the limits are symmetric about 0.
    let o = render(&sparse, &["--minus", dense.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (red2, blue2) = red_and_blue(&sparse.join("figures/o2_xy_minus_dense.png"));
    assert!(blue2 > 2 * red2, "red {red2} px, blue {blue2} px");

    let other = steady_run(dir.path(), "other", 60.0, "[10, 16, 24]");
    let o = render(&dense, &["--minus", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("other") && err.contains("same grid"), "{err}");
    assert!(err.contains("10×16×24"), "{err}");
}

/// Issue 23.7: a run's own slices of a small grid are not thumbnails, and ROS and GSH
/// slices show vessel lumen (no tissue) in grey rather than as 0 mM.
#[test]
fn run_slices_have_a_minimum_size_and_grey_lumen() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tiny.toml");
    let default = std::fs::read_to_string("assets/scenarios/default.toml").unwrap();
    std::fs::write(
        &scenario,
        default.replace("shape_zyx = [64, 128, 128]", "shape_zyx = [10, 16, 20]"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let r = oxyfield()
        .arg("run")
        .arg(&scenario)
        .args(["--backend", "cpu", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let tissue = oxyfield::rundir::load_field(&out.join("tissue.npy")).unwrap();
    assert!(
        tissue.data.contains(&0.0),
        "the scenario has lumen voxels outside the tissue"
    );
    for name in ["o2_xy.png", "o2_xz.png", "ros_xy.png", "gsh_yz.png"] {
        let img = image::open(out.join(name)).unwrap().to_rgb8();
        assert!(img.width() >= 360, "{name}: {} px wide", img.width());
    }
    // Grey somewhere in the GSH and ROS centre slices of this block (whose centre
    // planes cut vessels): no tissue, not "no GSH".
    let grey = |name: &str| {
        let img = image::open(out.join(name)).unwrap().to_rgb8();
        img.pixels().filter(|p| p.0 == [200, 200, 200]).count()
    };
    let total: usize = ["gsh_xy.png", "gsh_xz.png", "gsh_yz.png"]
        .iter()
        .map(|n| grey(n))
        .sum();
    assert!(total > 0, "no grey lumen in the GSH slices");

    // Issue 23.7–8: `render --plot` redraws the run's own plots (same tissue, bins
    // and title: the same bytes), and the numbers behind each sit beside it as CSV.
    for (kind, stem) in [
        ("histogram", "o2_histogram"),
        ("distance", "o2_vs_distance"),
    ] {
        let png = out.join("figures").join(format!("{stem}.png"));
        let before = std::fs::read(&png).unwrap();
        let o = render(&out, &["--plot", kind]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(std::fs::read(&png).unwrap() == before, "{stem}.png changed");
        let csv = std::fs::read_to_string(out.join("figures").join(format!("{stem}.csv"))).unwrap();
        assert!(csv.lines().count() > 2, "{csv}");
    }
    let csv = std::fs::read_to_string(out.join("figures/o2_histogram.csv")).unwrap();
    let percent: f64 = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!(
        (percent - 100.0).abs() < 1e-6,
        "the bins hold all tissue: {percent} %"
    );
}
