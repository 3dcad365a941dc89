//! Issue 23.1–3, 23.9: the radiotherapy endpoints of a protocol run against hand
//! computations (Poisson TCP of a known clonogen number, the equivalent uniform dose of
//! one and of two compartments, the kill by pre-treatment pO2 band on a known pO2
//! profile), the pre-treatment columns of `batch.csv`, and the snapshots' ParaView
//! collection.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::config::Scenario;
use oxyfield::physics::radiotherapy::LqParams;
use oxyfield::physics::tissue::TissueParams;
use oxyfield::therapy::{run_protocol, RunOptions, TherapyParams, TherapyResult};
use std::path::Path;

/// Kinetics off (but the mitotic delay): only the fractions change n.
fn frozen(sc: &Scenario) -> TherapyParams {
    TherapyParams {
        tissue: TissueParams {
            doubling_time_h: 0.0,
            necrosis_rate_per_h: 0.0,
            clearance_half_life_h: 0.0,
            ..TissueParams::default()
        },
        ..TherapyParams::of(sc)
    }
}

/// 6³ voxels of 10 µm without ROS, with `extra` TOML; `base` resolves file paths.
fn block(extra: &str, base: &Path) -> Scenario {
    common::scenario(
        &format!(
            "name = \"block\"\n[grid]\nshape_zyx = [6, 6, 6]\nspacing_um = 10.0\n\
             [ros]\nenabled = false\n{extra}"
        ),
        base,
    )
}

/// No uptake and both x faces at `p` mmHg: pO2 = p everywhere.
fn uniform(p: f64, extra: &str) -> Scenario {
    block(
        &format!(
            "[oxygen]\nmax_consumption_mmhg_per_s = 0.0\n\
             [boundary]\nx_min = {p}\nx_max = {p}\n{extra}"
        ),
        Path::new("."),
    )
}

fn run(sc: &Scenario, protocol: &str) -> TherapyResult {
    run_protocol(
        sc,
        &common::protocol(protocol),
        &frozen(sc),
        &mut CpuBackend::new(),
        RunOptions::default(),
    )
    .unwrap()
}

fn close(got: f64, want: f64, rel: f64, what: &str) {
    assert!(
        (got - want).abs() <= rel * want.abs().max(1e-12),
        "{what}: {got} vs {want}"
    );
}

const FIVE_FRACTIONS: &str = "schema_version = 1\nduration = \"5d\"\ntime_step = \"12h\"\n\
     settle = false\n[[radiotherapy]]\ndose_gy = 2.0\nevery = \"1d\"\ncount = 5\n";

/// A stated tumour of 1 mm³ at 30 clonogens/mm³ holds N0 = 30 clonogens (all cells
/// viable); after 5 × 2 Gy at 100 mmHg N = 30·S⁵, TCP = exp(−N), and TCP rises
/// fraction by fraction. Each fraction's EUD is D·OMF(100 mmHg) (single OER: S is the
/// aerobic survival of D·OMF), and the cumulative EUD and physical dose add up.
#[test]
fn tcp_is_the_poisson_probability_of_the_hand_counted_clonogens() {
    let sc = uniform(
        100.0,
        "[radiotherapy]\nclonogen_density_per_mm3 = 30.0\ntumour_volume_cm3 = 0.001\n",
    );
    let r = run(&sc, FIVE_FRACTIONS);
    let lq = LqParams::default();
    let first = &r.rows[0];
    assert!((first.viable_fraction - 1.0).abs() < 1e-6, "{first:?}");
    // Nothing delivered yet: +0 Gy (not −0, which the CSV would print as -0.000000).
    assert!(
        first.endpoints.eud_cumulative_gy.to_bits() == 0,
        "{first:?}"
    );
    assert!(first.endpoints.physical_dose_cumulative_gy.to_bits() == 0);
    close(first.endpoints.surviving_clonogens, 30.0, 1e-6, "N0");
    close(first.endpoints.tcp, (-30.0f64).exp(), 1e-5, "TCP at t = 0");
    let s = lq.survival(2.0, 100.0);
    let last = r.rows.last().unwrap();
    let n = 30.0 * s.powi(5);
    close(last.endpoints.surviving_clonogens, n, 1e-5, "N at the end");
    close(last.endpoints.tcp, (-n).exp(), 1e-5, "TCP at the end");
    assert!(last.endpoints.tcp > 0.3 && last.endpoints.tcp < 0.5, "{n}");
    for w in r.rows.windows(2) {
        assert!(w[1].endpoints.tcp >= w[0].endpoints.tcp, "{w:?}");
    }
    assert_eq!(r.endpoints.fractions.len(), 5);
    let omf = (3.0 * 100.0 + 3.0) / (3.0 * (100.0 + 3.0));
    for f in &r.endpoints.fractions {
        close(f.surviving_fraction, s, 1e-5, "fraction S");
        close(f.eud_gy, 2.0 * omf, 1e-5, "fraction EUD");
        assert_eq!(f.physical_dose_gy, 2.0);
    }
    close(last.endpoints.eud_cumulative_gy, 10.0 * omf, 1e-5, "ΣEUD");
    assert_eq!(last.endpoints.physical_dose_cumulative_gy, 10.0);
    // The stated volume replaces the block's 216 voxels of 10 µm.
    assert!(r.endpoints.tumour_volume_given);
    assert_eq!(r.endpoints.tumour_volume_cm3, 0.001);
    // Without a stated volume: the block's tissue, 216·(0.01 mm)³ at 10⁴/mm³.
    let sc = uniform(100.0, "");
    let r = run(&sc, FIVE_FRACTIONS);
    close(r.endpoints.tumour_volume_cm3, 216e-9, 1e-12, "block volume");
    close(
        r.rows[0].endpoints.surviving_clonogens,
        2.16,
        1e-6,
        "N0 of the block",
    );
}

/// Anoxic tissue (uptake without a source: pO2 = 0) in two compartments by a dose map:
/// half the voxels get the fraction's 2 Gy, half 1 Gy. The fraction's surviving
/// fraction is the mean of the anoxic survivals S(2 Gy, 0) and S(1 Gy, 0), its EUD the
/// positive root of αd + βd² = −ln S, below the 1.5 Gy mean physical dose.
#[test]
fn eud_of_two_anoxic_compartments_is_the_closed_form_root() {
    let dir = tempfile::tempdir().unwrap();
    let sc = block("", dir.path());
    let g = sc.grid();
    let map: Vec<f32> = (0..g.len())
        .map(|i| if g.ijk(i).0 < 3 { 1.0 } else { 0.5 })
        .collect();
    oxyfield::npy::write_field(&dir.path().join("dose.npy"), &map, &g, "1", "dose").unwrap();
    let text = format!(
        "schema_version = 1\nduration = \"2h\"\ntime_step = \"1h\"\nsettle = false\n\
         [[radiotherapy]]\ndose_gy = 2.0\nat = [\"0h\"]\ndose_map_npy = \"{}\"\n",
        dir.path().join("dose.npy").display()
    );
    let r = run(&sc, &text);
    assert!(r.po2.iter().all(|&p| p < 1e-3), "not anoxic");
    let lq = LqParams::default();
    let (a, b) = (lq.alpha_per_gy, lq.beta_per_gy2);
    let sf = 0.5 * (lq.survival(2.0, 0.0) + lq.survival(1.0, 0.0));
    let l = -sf.ln();
    let eud = (-a + (a * a + 4.0 * b * l).sqrt()) / (2.0 * b);
    assert_eq!(r.endpoints.fractions.len(), 1);
    let f = &r.endpoints.fractions[0];
    close(f.surviving_fraction, sf, 1e-5, "two-compartment S");
    close(f.eud_gy, eud, 1e-4, "two-compartment EUD");
    close(f.physical_dose_gy, 1.5, 1e-6, "mean physical dose");
    // Anoxic: about a third of the dose (OER 3), and so well below the physical dose.
    assert!(f.eud_gy < 0.4 * f.physical_dose_gy, "{f:?}");
    let last = r.rows.last().unwrap();
    close(
        last.endpoints.eud_cumulative_gy,
        eud,
        1e-4,
        "cumulative EUD",
    );
    // All tissue below 0.5 mmHg: the histogram's first bin holds every voxel.
    assert_eq!(f.hypoxic_volume_histogram.len(), 11);
    close(f.hypoxic_volume_histogram[0], 1.0, 1e-12, "first bin");
}

/// No uptake, x faces at 13.2 and 0 mmHg: a linear profile whose six x-slabs sit at
/// 12.1, 9.9, 7.7, 5.5, 3.3 and 1.1 mmHg, one slab ≥ 10, four in 2.5–10 and one
/// < 2.5 mmHg. After
/// one 2 Gy fraction each band's surviving fraction is the mean LQ survival of its
/// voxels at their pO2, the hypoxic share of the survivors is the < 2.5 slab's share
/// of Σ S, and the histogram before the fraction counts the slabs.
#[test]
fn kill_by_pre_treatment_band_on_a_linear_profile() {
    let sc = block(
        "[oxygen]\nmax_consumption_mmhg_per_s = 0.0\n[boundary]\nx_min = 13.2\nx_max = 0.0\n",
        Path::new("."),
    );
    let r = run(
        &sc,
        "schema_version = 1\nduration = \"2h\"\ntime_step = \"1h\"\nsettle = false\n\
         [[radiotherapy]]\ndose_gy = 2.0\nat = [\"0h\"]\n",
    );
    let lq = LqParams::default();
    let band = |p: f32| usize::from(p >= 2.5) + usize::from(p >= 10.0);
    let mut sum = [0.0f64; 3];
    let mut count = [0usize; 3];
    for &p in &r.po2 {
        let k = band(p);
        sum[k] += lq.survival(2.0, f64::from(p));
        count[k] += 1;
    }
    assert_eq!(count, [36, 144, 36], "{:?}", &r.po2[..6]);
    let last = r.rows.last().unwrap().endpoints;
    for k in 0..3 {
        let s = sum[k] / count[k] as f64;
        close(
            last.surviving_fraction_by_pre_po2[k].unwrap(),
            s,
            1e-5,
            "band S",
        );
        close(
            last.log10_kill_by_pre_po2[k].unwrap(),
            -s.log10(),
            1e-5,
            "band log10 kill",
        );
        close(
            r.endpoints.band_volume_fraction[k],
            count[k] as f64 / 216.0,
            1e-12,
            "band volume",
        );
    }
    let total: f64 = sum.iter().sum();
    close(
        last.hypoxic_share_of_survivors,
        sum[0] / total,
        1e-5,
        "hypoxic share",
    );
    // Before treatment every band is whole, and the < 2.5 slab holds 1/6 of the cells.
    let first = r.rows[0].endpoints;
    assert_eq!(first.surviving_fraction_by_pre_po2, [Some(1.0); 3]);
    close(
        first.hypoxic_share_of_survivors,
        1.0 / 6.0,
        1e-6,
        "share at 0",
    );
    // The histogram before the fraction counts the voxels' pO2 in its bins (the field
    // does not change: no uptake), the < 2.5 mmHg slab in the first three bins.
    let edges = oxyfield::therapy::endpoints::HISTOGRAM_EDGES_MMHG;
    let mut want = [0.0f64; 11];
    for &p in &r.po2 {
        want[edges.iter().filter(|&&e| p >= e).count()] += 1.0 / 216.0;
    }
    let h = &r.endpoints.fractions[0].hypoxic_volume_histogram;
    assert_eq!(h.len(), 11);
    for (k, (&got, want)) in h.iter().zip(want).enumerate() {
        close(got, want, 1e-12, &format!("histogram bin {k}"));
    }
    // By hand: 1.1 in [1, 2.5), 3.3 in [2.5, 5), 5.5, 7.7, 9.9 in [5, 10), 12.1 in
    // [10, 15).
    let by_hand = [0.0, 0.0, 1.0, 1.0, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0].map(|v| v / 6.0);
    for (k, (&got, want)) in h.iter().zip(by_hand).enumerate() {
        close(got, want, 1e-12, &format!("histogram bin {k} by hand"));
    }
    close(h.iter().sum(), 1.0, 1e-12, "histogram total");
    // The oxygen-weighted dose of the fraction lies below its physical dose.
    let f = &r.endpoints.fractions[0];
    assert!(
        f.eud_gy < f.physical_dose_gy && f.eud_gy > 2.0 / 3.0,
        "{f:?}"
    );
}

/// `batch.csv` of a protocol sweep: the pre-treatment columns equal each run's t = 0
/// timeline row, the endpoint columns its summary, and every older column is there
/// under its old name.
#[test]
fn batch_csv_has_the_pre_treatment_state_of_each_protocol_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("s.toml"),
        "name = \"b\"\nprotocol = \"p.toml\"\n[grid]\nshape_zyx = [8, 10, 12]\n\
         spacing_um = 10.0\n[vessels.synthetic]\n[ros]\nenabled = false\n\
         [figures]\nanimation = false\nplots = false\nmontage = false\n\
         [output]\npng = false\nvti = false\n",
    )
    .unwrap();
    std::fs::write(
        d.join("p.toml"),
        "schema_version = 1\nname = \"one\"\nduration = \"2d\"\ntime_step = \"12h\"\n\
         snapshots = []\n[[radiotherapy]]\ndose_gy = 2.0\nevery = \"1d\"\ncount = 2\n",
    )
    .unwrap();
    std::fs::write(
        d.join("sweep.toml"),
        "schema_version = 1\nname = \"b\"\nbase = \"s.toml\"\n[vary]\n\
         \"radiotherapy.clonogen_density_per_mm3\" = [10.0, 1000.0]\n",
    )
    .unwrap();
    let r = common::oxyfield()
        .current_dir(d)
        .args([
            "batch",
            "sweep.toml",
            "--backend",
            "cpu",
            "--out",
            "out",
            "--collect",
        ])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", common::stderr(&r));
    let csv = std::fs::read_to_string(d.join("out/batch.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    for old in [
        "index",
        "id",
        "kind",
        "median_po2_mmhg",
        "mean_po2_mmhg",
        "hypoxic_fraction_lt_0.5",
        "hypoxic_fraction_lt_2.5",
        "hypoxic_fraction_lt_5",
        "hypoxic_fraction_lt_10",
        "mean_ros_um",
        "viable_fraction",
        "log10_cell_kill",
        "seconds",
        "backend",
    ] {
        col(old);
    }
    // The older columns keep their order; the new ones follow `backend`.
    assert!(col("backend") < col("pre_median_po2_mmhg"));
    let mut rows = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let num = |name: &str| -> f64 { cells[col(name)].parse().unwrap() };
        let id = cells[col("id")];
        let run = d.join("out").join(id);
        let timeline: serde_json::Value =
            serde_json::from_slice(&std::fs::read(run.join("timeline.json")).unwrap()).unwrap();
        let t0 = &timeline["rows"][0];
        assert_eq!(t0["time_h"], 0.0);
        assert_eq!(
            num("pre_median_po2_mmhg"),
            t0["median_po2_mmhg"].as_f64().unwrap()
        );
        assert_eq!(
            num("pre_mean_po2_mmhg"),
            t0["mean_po2_mmhg"].as_f64().unwrap()
        );
        for (k, t) in ["0.5", "2.5", "5", "10"].iter().enumerate() {
            assert_eq!(
                num(&format!("pre_hypoxic_fraction_lt_{t}")),
                t0["hypoxic_fraction"][k].as_f64().unwrap()
            );
        }
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(run.join("summary.json")).unwrap()).unwrap();
        assert_eq!(num("tcp"), summary["endpoints"]["tcp"].as_f64().unwrap());
        assert_eq!(num("physical_dose_cumulative_gy"), 4.0);
        let eud = num("eud_cumulative_gy");
        assert!(eud > 0.0 && eud < 4.0, "{eud}");
        // Treatment changed the end state: the pre-treatment columns differ from it.
        assert_ne!(num("log10_cell_kill"), 0.0);
        rows += 1;
    }
    assert_eq!(rows, 2);
}

/// With `[output] vti`, each snapshot writes `snapshots/fields_tXh.vti` and
/// `snapshots/snapshots.pvd` lists them all: valid XML, one `DataSet` per snapshot
/// time (h) with a relative path to an existing volume whose pO2 is the snapshot's.
#[test]
fn snapshots_form_a_paraview_time_series() {
    let dir = tempfile::tempdir().unwrap();
    let sc = block("[output]\nvti = true\npng = false\n", Path::new("."));
    let protocol = common::protocol(
        "schema_version = 1\nduration = \"1d\"\ntime_step = \"6h\"\nsettle = false\n\
         snapshots = [\"0h\", \"12h\", \"end\"]\n\
         [[radiotherapy]]\ndose_gy = 8.0\nat = [\"6h\"]\n",
    );
    run_protocol(
        &sc,
        &protocol,
        &frozen(&sc),
        &mut CpuBackend::new(),
        RunOptions {
            snapshot_dir: Some(dir.path()),
            ..RunOptions::default()
        },
    )
    .unwrap();
    let snaps = dir.path().join("snapshots");
    let text = std::fs::read_to_string(snaps.join("snapshots.pvd")).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "VTKFile");
    assert_eq!(root.attribute("type"), Some("Collection"));
    let sets: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("DataSet"))
        .collect();
    let times: Vec<f64> = sets
        .iter()
        .map(|n| n.attribute("timestep").unwrap().parse().unwrap())
        .collect();
    assert_eq!(times, [0.0, 12.0, 24.0]);
    let g = sc.grid();
    for (n, t) in sets.iter().zip(&times) {
        let file = n.attribute("file").unwrap();
        assert!(
            !file.contains('/') && !Path::new(file).is_absolute(),
            "{file}"
        );
        let (grid, arrays) = oxyfield::output::vti::read_vti(&snaps.join(file)).unwrap();
        assert_eq!(grid.shape_zyx(), g.shape_zyx());
        let o2 = arrays
            .iter()
            .find(|(name, _)| name == "o2 [mmHg]")
            .map(|(_, v)| v.clone())
            .unwrap();
        let npy = oxyfield::npy::read_field(&snaps.join(format!("o2_t{t}h.npy")), &g).unwrap();
        assert_eq!(o2, npy, "{file}");
        let viable = arrays.iter().find(|(name, _)| name == "viable [1]");
        assert!(viable.is_some(), "{file}");
    }
}
