//! Network files: round trips between Secomb `network.dat`, VTK `.vtp` and CSV tables,
//! hand-written files in each format, and malformed files that must give an error
//! naming the file and the line or array (never a panic).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use glam::DVec3;
use oxyfield::vessels::formats::{self, Format, ReadOptions};
use oxyfield::vessels::{BoundaryCondition, BoundaryNode, Network, Segment};
use std::io::Write as _;
use std::path::Path;

const PO2: f64 = 40.0;

/// A small network with awkward numbers: non-dyadic coordinates and radii, a branch
/// point, every optional value known, and both kinds of boundary condition.
fn sample() -> Network {
    let nodes = vec![
        DVec3::new(0.1, -12.345678901234, 1000.0 / 3.0),
        DVec3::new(55.5, 0.0, 7.25e-3),
        DVec3::new(123456.789, 42.0, -0.5),
        DVec3::new(60.0, 30.0 + 1e-7, 2.0 / 7.0),
        DVec3::new(-80.0, 12.0, 9.0),
    ];
    let seg = |a, b, r: f64, q: f64, hd: f64, kind| Segment {
        flow_nl_per_min: Some(q),
        hematocrit: Some(hd),
        kind,
        ..Segment::new(a, b, r, PO2)
    };
    let segments = vec![
        seg(0, 1, 10.0 / 3.0, 2.5, 0.45, 1),
        seg(1, 2, 2.0, 1.0 / 3.0, 0.4, 2),
        seg(1, 3, 0.1, 2.0 - 1.0 / 3.0, 0.38, 2),
        seg(3, 4, 7.5, -1.5e-3, 0.0, 3),
    ];
    let boundary = vec![
        BoundaryNode {
            node: 0,
            condition: BoundaryCondition::Pressure(80.5),
            hematocrit: Some(0.45),
            po2_mmhg: Some(95.0),
        },
        BoundaryNode {
            node: 4,
            condition: BoundaryCondition::Flow(-2.5),
            hematocrit: Some(0.4),
            po2_mmhg: Some(0.0),
        },
    ];
    Network {
        nodes,
        segments,
        boundary,
    }
}

/// What a format carries, for comparisons.
#[derive(Clone, Copy)]
struct Carries {
    boundary: bool,
}

fn carries(f: Format) -> Carries {
    Carries {
        boundary: f != Format::Vtp,
    }
}

fn ext(f: Format) -> &'static str {
    match f {
        Format::Secomb => "dat",
        Format::Vtp => "vtp",
        Format::Csv => "csv",
    }
}

fn assert_same(want: &Network, got: &Network, c: Carries, what: &str) {
    assert_eq!(want.nodes.len(), got.nodes.len(), "{what}: node count");
    for (i, (a, b)) in want.nodes.iter().zip(&got.nodes).enumerate() {
        let scale = a.abs().max_element().max(1.0);
        assert!(
            (*a - *b).abs().max_element() <= 1e-6 * scale,
            "{what}: node {i}: {a} vs {b}"
        );
    }
    assert_eq!(
        want.segments.len(),
        got.segments.len(),
        "{what}: segment count"
    );
    for (i, (a, b)) in want.segments.iter().zip(&got.segments).enumerate() {
        assert_eq!((a.a, a.b), (b.a, b.b), "{what}: segment {i} ends");
        assert_eq!(a.radius_um, b.radius_um, "{what}: segment {i} radius");
        assert_eq!(
            a.flow_nl_per_min, b.flow_nl_per_min,
            "{what}: segment {i} flow"
        );
        assert_eq!(a.hematocrit, b.hematocrit, "{what}: segment {i} hd");
        assert_eq!(a.kind, b.kind, "{what}: segment {i} type");
        assert_eq!(
            a.blood_po2_mmhg, b.blood_po2_mmhg,
            "{what}: segment {i} pO2"
        );
    }
    if c.boundary {
        assert_eq!(want.boundary, got.boundary, "{what}: boundary nodes");
    } else {
        assert!(got.boundary.is_empty(), "{what}: boundary from nowhere");
    }
}

fn round_trip(net: &Network, f: Format, dir: &Path, name: &str) -> Network {
    let path = dir.join(format!("{name}.{}", ext(f)));
    let written = formats::write(net, &path, None).expect("write");
    assert!(written.iter().all(|p| p.is_file()), "{written:?}");
    formats::read(&path, None, &ReadOptions::default()).expect("read back")
}

#[test]
fn each_format_reads_back_what_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let net = sample();
    for f in [Format::Secomb, Format::Vtp, Format::Csv] {
        let back = round_trip(&net, f, dir.path(), "self");
        assert_same(&net, &back, carries(f), &format!("{f:?}"));
    }
}

#[test]
fn chain_secomb_vtp_csv_secomb_and_every_pair() {
    let dir = tempfile::tempdir().unwrap();
    let net = sample();
    let a = round_trip(&net, Format::Secomb, dir.path(), "chain1");
    let b = round_trip(&a, Format::Vtp, dir.path(), "chain2");
    let c = round_trip(&b, Format::Csv, dir.path(), "chain3");
    let mut c_bc = c.clone();
    c_bc.boundary = net.boundary.clone();
    let d = round_trip(&c_bc, Format::Secomb, dir.path(), "chain4");
    assert_same(&net, &b, carries(Format::Vtp), "secomb→vtp");
    assert_same(&net, &c, carries(Format::Vtp), "secomb→vtp→csv");
    assert_same(&net, &d, carries(Format::Secomb), "…→secomb");

    let all = [Format::Secomb, Format::Vtp, Format::Csv];
    for f in all {
        for g in all {
            let name = format!("{f:?}_{g:?}");
            let once = round_trip(&net, f, dir.path(), &format!("{name}_1"));
            let twice = round_trip(&once, g, dir.path(), &format!("{name}_2"));
            let c = Carries {
                boundary: carries(f).boundary && carries(g).boundary,
            };
            assert_same(&net, &twice, c, &name);
        }
    }
}

#[test]
fn unknown_values_survive_where_the_format_can_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = sample();
    for s in &mut net.segments {
        s.flow_nl_per_min = None;
        s.kind = 0;
        s.blood_po2_mmhg = 61.5;
    }
    net.segments[1].hematocrit = None;
    net.boundary[1].hematocrit = None;
    net.boundary[1].po2_mmhg = None;
    // CSV has blank cells: everything comes back, unknowns included.
    let csv = round_trip(&net, Format::Csv, dir.path(), "unknown");
    assert_eq!(csv, net);
    // VTK arrays have no blank entries: a partly known array is not written.
    let vtp = round_trip(&net, Format::Vtp, dir.path(), "unknown");
    assert!(vtp.segments.iter().all(|s| s.flow_nl_per_min.is_none()));
    assert!(vtp.segments.iter().all(|s| s.hematocrit.is_none()));
    assert!(vtp
        .segments
        .iter()
        .all(|s| s.blood_po2_mmhg == 61.5 && s.kind == 0));
    // Secomb has no blank columns: the writer's defaults come back, except that flows
    // that are all zero mean unknown.
    let dat = round_trip(&net, Format::Secomb, dir.path(), "unknown");
    assert!(dat.segments.iter().all(|s| s.flow_nl_per_min.is_none()));
    assert_eq!(dat.segments[1].hematocrit, Some(0.4));
    assert_eq!(dat.segments[1].kind, 5);
    assert_eq!(dat.segments[1].blood_po2_mmhg, PO2);
    assert_eq!(dat.boundary[1].hematocrit, Some(0.4));
    assert_eq!(dat.boundary[1].po2_mmhg, Some(0.0));
}

#[test]
fn csv_file_naming() {
    let dir = tempfile::tempdir().unwrap();
    let net = sample();
    let written = formats::write(&net, &dir.path().join("tumour.csv"), None).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "tumour_nodes.csv",
            "tumour_segments.csv",
            "tumour_boundary.csv"
        ]
    );
    let opts = ReadOptions::default();
    for name in ["tumour.csv", "tumour_nodes.csv", "tumour_segments.csv"] {
        let back = formats::read(&dir.path().join(name), None, &opts).unwrap();
        assert_eq!(back, net, "{name}");
    }
    // The nodes table under any name, with the segments table named explicitly.
    std::fs::rename(
        dir.path().join("tumour_segments.csv"),
        dir.path().join("edges.csv"),
    )
    .unwrap();
    let opts = ReadOptions {
        segments_csv: Some(dir.path().join("edges.csv")),
        ..ReadOptions::default()
    };
    let back = formats::read(&dir.path().join("tumour_nodes.csv"), None, &opts).unwrap();
    assert_eq!(back, net);
    // No boundary nodes: no boundary table, unless an old one must be emptied.
    let mut plain = net.clone();
    plain.boundary.clear();
    let written = formats::write(&plain, &dir.path().join("plain.csv"), None).unwrap();
    assert_eq!(written.len(), 2);
    let written = formats::write(&plain, &dir.path().join("tumour.csv"), None).unwrap();
    assert_eq!(written.len(), 3);
    let opts = ReadOptions::default();
    let back = formats::read(&dir.path().join("tumour.csv"), None, &opts).unwrap();
    assert_eq!(back, plain);
}

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

#[test]
fn hand_written_secomb_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("network.dat");
    std::fs::write(&path, SECOMB).unwrap();
    let opts = ReadOptions {
        default_blood_po2_mmhg: 55.0,
        ..ReadOptions::default()
    };
    let net = formats::read(&path, None, &opts).unwrap();
    assert_eq!(
        net.nodes,
        [
            DVec3::ZERO,
            DVec3::new(50.5, 0.0, 0.0),
            DVec3::new(100.0, 20.0, -5.0),
            DVec3::new(75.0, 10.0, 0.0)
        ]
    );
    let s = &net.segments;
    assert_eq!(s.len(), 3);
    assert_eq!((s[0].a, s[0].b, s[0].radius_um, s[0].kind), (0, 1, 6.0, 1));
    assert_eq!(
        (s[0].flow_nl_per_min, s[0].hematocrit),
        (Some(2.5), Some(0.45))
    );
    assert_eq!((s[1].a, s[1].b, s[1].radius_um, s[1].kind), (1, 3, 4.0, 2));
    assert_eq!(
        (s[1].flow_nl_per_min, s[1].hematocrit),
        (Some(-1.25), Some(0.4))
    );
    assert_eq!((s[2].a, s[2].b, s[2].radius_um, s[2].kind), (3, 2, 5.0, 3));
    assert_eq!((s[2].flow_nl_per_min, s[2].hematocrit), (None, None));
    assert!(s.iter().all(|s| s.blood_po2_mmhg == 55.0));
    assert_eq!(
        net.boundary,
        [
            BoundaryNode {
                node: 0,
                condition: BoundaryCondition::Pressure(80.0),
                hematocrit: Some(0.45),
                po2_mmhg: Some(95.0),
            },
            BoundaryNode {
                node: 2,
                condition: BoundaryCondition::Flow(-2.5),
                hematocrit: Some(0.4),
                po2_mmhg: Some(40.0),
            }
        ]
    );
    // Without the boundary section the file is still whole.
    let cut = SECOMB.split("2 total number of boundary").next().unwrap();
    std::fs::write(&path, cut).unwrap();
    let net = formats::read(&path, None, &opts).unwrap();
    assert!(net.boundary.is_empty());
    assert_eq!(net.segments.len(), 3);
}

/// Two polylines, 0-1-2 and 3-4, where point 3 repeats point 2: they must connect.
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

#[test]
fn hand_written_ascii_vtp_with_touching_polylines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.vtp");
    std::fs::write(&path, VTP_ASCII).unwrap();
    let net = formats::read(&path, None, &ReadOptions::default()).unwrap();
    assert_eq!(
        net.nodes,
        [
            DVec3::ZERO,
            DVec3::new(10.0, 0.0, 0.0),
            DVec3::new(20.0, 0.0, 0.0),
            DVec3::new(20.0, 10.0, 0.0)
        ]
    );
    let ends: Vec<(usize, usize, f64)> = net
        .segments
        .iter()
        .map(|s| (s.a, s.b, s.radius_um))
        .collect();
    assert_eq!(ends, [(0, 1, 2.0), (1, 2, 3.0), (2, 3, 5.0)]);
    assert_eq!(net.degrees(), [1, 2, 2, 1]);
    let flows: Vec<Option<f64>> = net.segments.iter().map(|s| s.flow_nl_per_min).collect();
    assert_eq!(flows, [Some(1.5), Some(1.5), Some(-0.5)]);
    assert!(net.boundary.is_empty());
    // Diameters, by an explicit array name.
    let opts = ReadOptions {
        radius_array: Some("node radius".into()),
        radius_array_is_diameter: true,
        ..ReadOptions::default()
    };
    let net = formats::read(&path, Some(Format::Vtp), &opts).unwrap();
    assert_eq!(net.segments[2].radius_um, 2.5);
}

fn le_bytes_f32(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn le_bytes_i64(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Base64 of VTK's raw binary layout: a UInt32 byte count, then the data, one stream.
fn raw_b64(data: &[u8]) -> String {
    STANDARD.encode([(data.len() as u32).to_le_bytes().as_slice(), data].concat())
}

/// Base64 of VTK's zlib layout with a UInt64 header, header and blocks encoded apart.
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

/// A binary `.vtp`: one vertex cell then two lines, so the line cells' CellData values
/// start after the vertex's.
fn binary_vtp(encode: fn(&[u8]) -> String, file_attrs: &str) -> String {
    let points = le_bytes_f32(&[0., 0., 0., 5., 0., 0., 5., 5., 0., 9., 9., 9.]);
    let verts = (le_bytes_i64(&[3]), le_bytes_i64(&[1]));
    let lines = (le_bytes_i64(&[0, 1, 2, 2, 3]), le_bytes_i64(&[3, 5]));
    let radius = le_bytes_f32(&[99.0, 1.5, 2.5]);
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

#[test]
fn binary_base64_vtp_raw_and_zlib() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("raw.vtp", binary_vtp(raw_b64, "")),
        (
            "zlib.vtp",
            binary_vtp(
                zlib_b64,
                "header_type=\"UInt64\" compressor=\"vtkZLibDataCompressor\"",
            ),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let net = formats::read(&path, None, &ReadOptions::default()).unwrap();
        assert_eq!(net.nodes.len(), 4, "{name}");
        assert_eq!(net.nodes[2], DVec3::new(5.0, 5.0, 0.0), "{name}");
        let segs: Vec<(usize, usize, f64)> = net
            .segments
            .iter()
            .map(|s| (s.a, s.b, s.radius_um))
            .collect();
        assert_eq!(segs, [(0, 1, 1.5), (1, 2, 1.5), (2, 3, 2.5)], "{name}");
    }
}

/// Reads `text` as `name` and returns the error message, which must name the file.
fn error_of(dir: &Path, name: &str, text: &str, opts: &ReadOptions) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let e = formats::read(&path, None, opts)
        .expect_err(&format!("{name} should not parse"))
        .to_string();
    assert!(e.contains(name), "the message must name the file: {e}");
    e
}

#[test]
fn malformed_secomb_files_are_errors_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ReadOptions::default();
    let lines: Vec<&str> = SECOMB.lines().collect();
    let edit = |n: usize, new: &str| {
        let mut l = lines.clone();
        l[n - 1] = new;
        l.join("\n")
    };
    for (text, want) in [
        (
            lines[..11].join("\n"),
            "line 8: this line announces 3 segment rows",
        ),
        (edit(11, "8 2 10 20 8x -1.25"), "line 11, column 'diam'"),
        (
            edit(11, "8 2 10 21 8 -1.25"),
            "line 11, column 'to': node 21",
        ),
        (edit(11, "8 2 10 20 -8"), "line 11, column 'diam'"),
        (edit(8, "4 total number of segments"), "line 14"),
        (edit(14, "5 total number of nodes"), "line 20"),
        (edit(2, "big box"), "line 2"),
        (String::new(), "empty"),
    ] {
        let e = error_of(dir.path(), "bad.dat", &text, &opts);
        assert!(e.contains(want), "want '{want}' in: {e}");
    }
}

#[test]
fn malformed_vtp_files_are_errors_naming_the_array() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ReadOptions::default();
    let cut = &VTP_ASCII[..VTP_ASCII.find("<Lines>").unwrap()];
    for (text, want) in [
        (cut.to_string(), "truncated"),
        (
            VTP_ASCII.replace("2 2 4 4 6", "2 2 x 4 6"),
            "<DataArray Name=\"Node Radius\"> in <PointData> (line 6): value 2 ('x')",
        ),
        (
            VTP_ASCII.replace("0 1 2 3 4<", "0 1 2 3 7<"),
            "<DataArray Name=\"connectivity\"> in <Lines> (line 20): entry 4 is point 7",
        ),
        (
            VTP_ASCII.replace("Name=\"Node Radius\"", "Name=\"thickness\""),
            "no radius array \"Node Radius\" or \"radius\" in <CellData> or <PointData>; \
             the arrays are: PointData \"thickness\"; CellData \"Flow\"",
        ),
        (
            VTP_ASCII.replace("NumberOfPoints=\"5\"", "NumberOfPoints=\"6\""),
            "<DataArray> in <Points> (line 14): holds 15 values, expected 18",
        ),
        (
            VTP_ASCII.replace("2 2 4 4 6", "2 2 -4 4 6"),
            "<DataArray Name=\"Node Radius\"> in <PointData> (line 6): value 2 is -4",
        ),
        (
            VTP_ASCII.replace(
                "format=\"ascii\">1.5",
                "format=\"appended\" offset=\"0\">1.5",
            ),
            "<DataArray Name=\"Flow\"> in <CellData> (line 11): the data is appended",
        ),
        (
            VTP_ASCII
                .replace("byte_order=\"LittleEndian\"", "byte_order=\"BigEndian\"")
                .replace(
                    "<DataArray type=\"Float64\" Name=\"Flow\" format=\"ascii\">1.5 -0.5",
                    "<DataArray type=\"Float64\" Name=\"Flow\" format=\"binary\">AAAA",
                ),
            "BigEndian",
        ),
        (
            VTP_ASCII.replace("PolyData\" version", "UnstructuredGrid\" version"),
            "line 2",
        ),
        ("  \n".to_string(), "empty"),
    ] {
        let e = error_of(dir.path(), "bad.vtp", &text, &opts);
        assert!(e.contains(want), "want '{want}' in: {e}");
    }
}

#[test]
fn malformed_csv_files_are_errors_naming_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ReadOptions::default();
    let nodes = "id,x,y,z\n1,0,0,0\n2,10,0,0\n3,10,10,0\n";
    let segs = "id,from,to,radius,flow\n1,1,2,2.5,1\n2,2,3,1.5,\n";
    let cases = [
        (
            nodes.replace("3,10,10,0\n", "3,10,10\n"),
            segs.to_string(),
            "nodes",
            "line 4, column 'z': empty",
        ),
        (
            nodes.replace("10,0,0", "1O,0,0"),
            segs.to_string(),
            "nodes",
            "line 3, column 'x'",
        ),
        (
            nodes.to_string(),
            segs.replace("2,2,3", "2,2,4"),
            "segments",
            "line 3, column 'to': node 4",
        ),
        (
            nodes.to_string(),
            segs.replace("radius", "width"),
            "segments",
            "no 'radius' column",
        ),
        (
            nodes.to_string(),
            segs.replace("2.5,1", "2.5,1,7"),
            "segments",
            "line 2 has 6 fields",
        ),
        (nodes.to_string(), String::new(), "segments", "empty"),
        (
            nodes.to_string(),
            segs.replace("1.5", "-1.5"),
            "segments",
            "line 3, column 'radius'",
        ),
        (
            nodes.replace("3,10", "2,10"),
            segs.to_string(),
            "nodes",
            "line 4, column 'id': node 2 is also on line 3",
        ),
    ];
    for (k, (n, s, bad, want)) in cases.into_iter().enumerate() {
        let prefix = format!("case{k}");
        std::fs::write(dir.path().join(format!("{prefix}_nodes.csv")), n).unwrap();
        std::fs::write(dir.path().join(format!("{prefix}_segments.csv")), s).unwrap();
        let e = formats::read(&dir.path().join(format!("{prefix}.csv")), None, &opts)
            .expect_err(want)
            .to_string();
        assert!(e.contains(&format!("{prefix}_{bad}.csv")), "{e}");
        assert!(e.contains(want), "want '{want}' in: {e}");
    }
    // A bad boundary table, and a missing segments table.
    std::fs::write(dir.path().join("bc_nodes.csv"), nodes).unwrap();
    std::fs::write(dir.path().join("bc_segments.csv"), segs).unwrap();
    std::fs::write(
        dir.path().join("bc_boundary.csv"),
        "node,bctyp,value\n1,inflow,3\n",
    )
    .unwrap();
    let e = formats::read(&dir.path().join("bc.csv"), None, &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("bc_boundary.csv: line 2, column 'bctyp'"), "{e}");
    let e = formats::read(&dir.path().join("none_nodes.csv"), None, &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("none_nodes.csv") && e.contains("cannot read"),
        "{e}"
    );
}
