//! Writes the seed corpora `fuzz/corpus/<target>/`: copies of the repository's assets
//! and test inputs, and small files written by oxyfield's own writers. Run it again
//! after a format changes: `cargo run --release --no-default-features --bin make-seeds`.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use oxyfield::grid::Grid;
use oxyfield::npy;
use oxyfield::output::timeline::{DrugColumns, EndpointColumns, Row};
use oxyfield::output::{tiff, vti};
use oxyfield::therapy::checkpoint::Checkpoint;
use oxyfield::therapy::endpoints::EndpointState;
use oxyfield::vessels::formats::{csv, secomb, vtp, ReadOptions};
use oxyfield_fuzz::SEP;
use std::io::Write as _;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn put(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn copy(target: &str, rel: &str) {
    let p = root().join(rel);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    put(target, p.file_name().unwrap().to_str().unwrap(), &bytes);
}

fn copy_dir(target: &str, rel: &str, max: usize) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(rel))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for p in files.into_iter().take(max) {
        let rel = p.strip_prefix(root()).unwrap().display().to_string();
        copy(target, &rel);
    }
}

fn join(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(SEP)
}

/// The hand-written Secomb file of tests/network_formats.rs.
const SECOMB: &str = "Hand-written network\twith tabs\n\
200\t150.5  100   box dimensions in microns\n\
20 15 10\tnumber of tissue points\n\
\n\
0.0\touter bound distance\n\
80   max. segment length\n\
4    maximum number of segments per node\n\
3\ttotal number of segments\n\
name\ttype\tfrom\tto\tdiam\tflow\thd\n\
7\t1\t30\t10\t12.0\t2.5\t0.45   artery in\n\
8 2  10  20  8  -1.25  0.40  ! capillary, comment\n\
\n\
9\t3\t20\t40\t10\n\
4 total number of nodes\n\
name x y z\n\
30  0 0 0   inlet\n\
10\t50.5\t0\t0\n\
40 100 20 -5\n\
20 75 10 0\n\
2 total number of boundary nodes\n\
name bctyp press/flow HD PO2\n\
30 0 80.0 0.45 95.0 inflow\n\
40\t2\t-2.5\t0.4\t40\t1\n";

/// The hand-written ASCII `.vtp` of tests/network_formats.rs.
const VTP_ASCII: &str = r#"<?xml version="1.0"?>
<VTKFile type="PolyData" version="0.1" byte_order="LittleEndian">
  <PolyData>
    <Piece NumberOfPoints="5" NumberOfVerts="0" NumberOfLines="2" NumberOfStrips="0" NumberOfPolys="0">
      <PointData Scalars="Node Radius">
        <DataArray type="Float32" Name="Node Radius" format="ascii">
          2 2 4 4 6
        </DataArray>
      </PointData>
      <CellData>
        <DataArray type="Float64" Name="Flow" format="ascii">1.5 -0.5</DataArray>
      </CellData>
      <Points>
        <DataArray type="Float32" NumberOfComponents="3" format="ascii">
          0 0 0  10 0 0  20 0 0
          20 0 0  20 10 0
        </DataArray>
      </Points>
      <Lines>
        <DataArray type="Int32" Name="connectivity" format="ascii">0 1 2 3 4</DataArray>
        <DataArray type="Int32" Name="offsets" format="ascii">3 5</DataArray>
      </Lines>
    </Piece>
  </PolyData>
</VTKFile>
"#;

fn le_f32(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn le_i64(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn raw_b64(data: &[u8]) -> String {
    STANDARD.encode([(data.len() as u32).to_le_bytes().as_slice(), data].concat())
}

fn zlib_b64(data: &[u8]) -> String {
    let block = 16;
    let blocks: Vec<Vec<u8>> = data
        .chunks(block)
        .map(|c| {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Default::default());
            z.write_all(c).unwrap();
            z.finish().unwrap()
        })
        .collect();
    let mut header = vec![
        blocks.len() as u64,
        block as u64,
        (data.len() % block) as u64,
    ];
    header.extend(blocks.iter().map(|b| b.len() as u64));
    let header: Vec<u8> = header.iter().flat_map(|x| x.to_le_bytes()).collect();
    STANDARD.encode(header) + &STANDARD.encode(blocks.concat())
}

/// The binary `.vtp` of tests/network_formats.rs: one vertex cell, then two lines.
fn binary_vtp(encode: fn(&[u8]) -> String, file_attrs: &str) -> String {
    let points = le_f32(&[0., 0., 0., 5., 0., 0., 5., 5., 0., 9., 9., 9.]);
    let verts = (le_i64(&[3]), le_i64(&[1]));
    let lines = (le_i64(&[0, 1, 2, 2, 3]), le_i64(&[3, 5]));
    let radius = le_f32(&[99.0, 1.5, 2.5]);
    let a = |ty: &str, name: &str, comps: usize, data: &[u8]| {
        format!(
            "<DataArray type=\"{ty}\" Name=\"{name}\" NumberOfComponents=\"{comps}\" \
             format=\"binary\">\n{}\n</DataArray>\n",
            encode(data)
        )
    };
    format!(
        "<?xml version=\"1.0\"?>\n<VTKFile type=\"PolyData\" version=\"1.0\" \
         byte_order=\"LittleEndian\" {file_attrs}>\n<PolyData>\n<Piece NumberOfPoints=\"4\" \
         NumberOfVerts=\"1\" NumberOfLines=\"2\">\n<CellData>\n{}</CellData>\n<Points>\n{}\
         </Points>\n<Verts>\n{}{}</Verts>\n<Lines>\n{}{}</Lines>\n</Piece>\n</PolyData>\n\
         </VTKFile>\n",
        a("Float32", "radius", 1, &radius),
        a("Float32", "Points", 3, &points),
        a("Int64", "connectivity", 1, &verts.0),
        a("Int64", "offsets", 1, &verts.1),
        a("Int64", "connectivity", 1, &lines.0),
        a("Int64", "offsets", 1, &lines.1),
    )
}

fn checkpoint(ros: bool) -> Vec<u8> {
    let c = Checkpoint {
        fingerprint: 42,
        backend: "cpu".into(),
        time_s: 7200.0,
        next_event: 3,
        next_snapshot: 1,
        n0_total: 123.5,
        rows: vec![Row {
            time_h: 2.0,
            events: "rt 2 Gy".into(),
            mean_po2_mmhg: 10.1,
            median_po2_mmhg: 9.9,
            hypoxic_fraction: [0.01, 0.2, 0.3, 0.5],
            viable_fraction: 0.8,
            dead_fraction: 0.15,
            doomed_fraction: 0.05,
            mean_hif: 0.3,
            mean_ros_um: Some(0.03),
            log10_cell_kill: 0.5,
            solve_seconds: 0.25,
            drugs: vec![DrugColumns {
                name: "evo".into(),
                plasma_um: 3.0,
                mean_um: 1.5,
                exposure_um_h: 0.25,
                log10_kill: 0.125,
            }],
            endpoints: EndpointColumns {
                surviving_clonogens: 2.5,
                tcp: 0.08,
                surviving_fraction_by_pre_po2: [Some(0.9), Some(0.5), None],
                log10_kill_by_pre_po2: [Some(0.05), Some(0.3), None],
                hypoxic_share_of_survivors: 0.4,
                eud_cumulative_gy: 1.6,
                physical_dose_cumulative_gy: 2.0,
            },
        }],
        viable: vec![1.0, 0.5],
        dead: vec![0.0, 0.5],
        doomed: vec![0.0, 0.25],
        hif: vec![0.1, 0.9],
        po2: vec![3.0, 2.0],
        sv: vec![0.0, 0.1],
        pb: vec![0.0, 40.0],
        fixed: vec![-1.0, -1.0],
        ros: ros.then(|| (vec![0.01, 0.02], vec![6.5, 6.4])),
        drugs: vec![oxyfield::drugs::DrugState {
            prodrug: vec![1.0, 2.0],
            metabolite: vec![0.5, 0.25],
            exposure: vec![0.0, 0.125],
        }],
        endpoints: EndpointState {
            band: vec![1.0, 2.0],
            n0_band: [1.0, 0.5, 0.0],
            fractions: Vec::new(),
        },
    };
    let mut b = c.encode();
    // Without the checksum: the target appends a valid one.
    b.truncate(b.len() - 8);
    b
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let _ = std::fs::remove_dir_all(&corpus);

    // Scenario TOML: the assets, and the refused inputs of tests/bad_inputs.
    copy_dir("scenario", "assets/scenarios", 10);
    copy_dir("scenario", "tests/bad_inputs/scenario", 100);
    put(
        "scenario",
        "inline_protocol.toml",
        b"[grid]\nshape_zyx = [4, 6, 8]\nspacing_um = 10.0\n\n[protocol]\nschema_version = 1\n\
          duration = \"1w\"\n\n[[protocol.radiotherapy]]\ndose_gy = 2.0\nat = [\"0h\", \"1d\"]\n\n\
          [[protocol.hif_inhibitor]]\nstart = \"1d\"\nend = \"3d\"\nstrength = 0.5\n",
    );

    // Protocol TOML.
    copy_dir("protocol", "assets/protocols", 10);
    copy_dir("protocol", "tests/bad_inputs/protocol", 50);

    // Sweep TOML.
    copy_dir("sweep", "assets/sweeps", 10);
    copy_dir("sweep", "tests/bad_inputs/sweep", 50);
    put(
        "sweep",
        "zip_file_base.toml",
        b"schema_version = 1\nname = \"z\"\nbase = \"spheroid.toml\"\nmode = \"zip\"\n\n\
          [vary]\n\"oxygen.km_mmhg\" = { start = 1.0, stop = 3.0, count = 3 }\n\
          \"grid.spacing_um\" = [5.0, 10.0, 20.0]\n",
    );
    put(
        "sweep",
        "integers.toml",
        b"schema_version = 1\nbase = \"default\"\n[vary]\nseed = { start = 0, stop = 9, count = 4 }\n\
          \"solver.max_iterations\" = { start = 10, stop = 30, step = 10 }\n",
    );

    // .npy
    let data: Vec<f32> = (0..64).map(|i| i as f32 * 0.5).collect();
    put("npy", "4x4x4.npy", &npy::encode_f32(&data, &[4, 4, 4]));
    put(
        "npy",
        "2x3x4.npy",
        &npy::encode_f32(&data[..24], &[2, 3, 4]),
    );
    put("npy", "1d.npy", &npy::encode_f32(&data[..5], &[5]));
    let mut v2 = npy::encode_f32(&data[..24], &[2, 3, 4]);
    // Format 2.0: a u32 header length.
    let len = u16::from_le_bytes([v2[8], v2[9]]) as u32;
    v2[6] = 2;
    v2.splice(8..10, len.to_le_bytes());
    put("npy", "v2.npy", &v2);

    // A run folder's field: sidecar, then the array.
    let dir = std::env::temp_dir().join(format!("oxyfield-make-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let g = Grid::from_shape_zyx([2, 3, 4], 10.0);
    npy::write_field(&dir.join("o2.npy"), &data[..24], &g, "mmHg", "tissue pO2").unwrap();
    let json = std::fs::read(dir.join("o2.json")).unwrap();
    let arr = std::fs::read(dir.join("o2.npy")).unwrap();
    put("rundir_field", "o2", &join(&[&json, &arr]));

    // Secomb network.dat
    copy("secomb", "assets/networks/example_tree.dat");
    put("secomb", "hand_written.dat", SECOMB.as_bytes());
    let net = secomb::parse(SECOMB, Path::new("x.dat"), &ReadOptions::default()).unwrap();
    put("secomb", "written.dat", secomb::to_string(&net).as_bytes());

    // GreensV4 SoluteParams.dat and IntravascRes.dat (one target reads both)
    for dir in ["Tumor1998", "TumorLowDensity", "Tumor_FaDu1012", "Brain"] {
        for f in ["SoluteParams.dat", "IntravascRes.dat"] {
            let p = root().join("assets/greens").join(dir).join(f);
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            put("greens", &format!("{dir}_{f}"), &bytes);
        }
    }

    // VTK PolyData
    put("vtp", "ascii.vtp", VTP_ASCII.as_bytes());
    put("vtp", "raw.vtp", binary_vtp(raw_b64, "").as_bytes());
    put(
        "vtp",
        "zlib.vtp",
        binary_vtp(
            zlib_b64,
            "header_type=\"UInt64\" compressor=\"vtkZLibDataCompressor\"",
        )
        .as_bytes(),
    );
    put("vtp", "written.vtp", vtp::to_string(&net).as_bytes());

    // CSV tables: nodes %% segments %% boundary
    let [n, s, b] = csv::to_strings(&net);
    put(
        "csv",
        "with_boundary",
        &join(&[n.as_bytes(), s.as_bytes(), b.as_bytes()]),
    );
    put("csv", "no_boundary", &join(&[n.as_bytes(), s.as_bytes()]));
    put(
        "csv",
        "aliases_semicolons",
        b"# nodes\nNode;X;Y;Z\n1;0;0;0\n2;\"50\";0;0\n3;50;40;0\n\n%%\nA;B;Diameter;Flow;HD;PO2;Kind\n1;2;10;1.5;0.45;60;1\n2;3;8;;;;\n\n%%\nnode,bctyp,value,hd,po2\n1,pressure,70,0.4,90\n3,flow,-1.5,,\n",
    );

    // Networks through a scenario (placement, rasterisation, flows).
    put("network_assemble", "hand_written.dat", SECOMB.as_bytes());
    put("network_assemble", "ascii.vtp", VTP_ASCII.as_bytes());
    copy("network_assemble", "assets/networks/example_tree.dat");

    // checkpoint.bin (checksum dropped; the target appends a valid one)
    put("checkpoint", "with_ros", &checkpoint(true));
    put("checkpoint", "no_ros", &checkpoint(false));

    // .vti: as written (zlib), and the plain layout.
    let f1: Vec<f32> = (0..24).map(|i| i as f32).collect();
    let f2: Vec<f32> = (0..24).map(|i| -(i as f32)).collect();
    vti::write_vti(
        &dir.join("f.vti"),
        &g,
        &[("o2", &f1, "mmHg"), ("ros", &f2, "uM")],
    )
    .unwrap();
    let zl = std::fs::read_to_string(dir.join("f.vti")).unwrap();
    put("vti", "zlib.vti", zl.as_bytes());
    let plain = format!(
        "<?xml version=\"1.0\"?>\n<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt32\">\n\
         <ImageData WholeExtent=\"0 3 0 2 0 1\" Origin=\"5 5 5\" Spacing=\"10 10 10\">\n\
         <Piece Extent=\"0 3 0 2 0 1\">\n<PointData>\n\
         <DataArray type=\"Float32\" Name=\"o2 [mmHg]\" format=\"binary\">\n{}\n</DataArray>\n\
         </PointData>\n</Piece>\n</ImageData>\n</VTKFile>\n",
        raw_b64(&le_f32(&f1))
    );
    put("vti", "plain.vti", plain.as_bytes());

    // .tif
    tiff::write_tiff(&dir.join("f.tif"), &g, &f1, "mmHg").unwrap();
    put(
        "tiff",
        "stack.tif",
        &std::fs::read(dir.join("f.tif")).unwrap(),
    );
    let g1 = Grid::from_shape_zyx([1, 2, 2], 5.0);
    tiff::write_tiff(&dir.join("g.tif"), &g1, &[1.0, 2.0, 3.0, 4.0], "uM").unwrap();
    put(
        "tiff",
        "one_page.tif",
        &std::fs::read(dir.join("g.tif")).unwrap(),
    );

    let _ = std::fs::remove_dir_all(&dir);
    for t in oxyfield_fuzz::TARGETS {
        let d = corpus.join(t.0);
        let n = std::fs::read_dir(&d).map(|r| r.count()).unwrap_or(0);
        println!("{:<18} {n} seeds", t.0);
    }
}
