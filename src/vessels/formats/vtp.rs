//! VTK XML PolyData (`.vtp`): polylines with a radius array, as Microvessel Chaste,
//! VItA and VMTK centrelines write them.
//!
//! Reading:
//! - `<VTKFile type="PolyData">`, one or more `<Piece>`s, each with `<Points>` and
//!   `<Lines>` (`connectivity` and `offsets`). Offsets are the end of each line as VTK
//!   writes them; a leading 0 (NumberOfLines + 1 values) is accepted too. Vertices,
//!   strips and polygons are ignored (their cells still count for `<CellData>`, where
//!   they come first and last around the lines, as VTK orders them).
//! - Arrays may be `format="ascii"` or `format="binary"` (inline base64, raw or
//!   `vtkZLibDataCompressor`, header UInt32 or UInt64) of type Int8…UInt64, Float32 or
//!   Float64. Appended data, other compressors and big-endian binary data are refused
//!   with the ParaView setting that fixes them.
//! - Each polyline of n points gives n − 1 segments, in file order, flowing from the
//!   earlier point to the later one. Points at the same position (within 1e-9 in file
//!   units) become one node, so polylines that touch are connected; a segment between
//!   two such points is dropped. Nodes keep the order of the points' first appearance.
//! - Radius: [`ReadOptions::radius_array`], else "Node Radius", else "radius" (names
//!   compared without case). A `<CellData>` array gives every segment of a polyline its
//!   value; a `<PointData>` array gives a segment the mean of its two points' values.
//!   [`ReadOptions::radius_array_is_diameter`] halves the values. Without one, the
//!   error lists the arrays there are.
//! - Optional `<CellData>` arrays, per polyline: "flow" (nl/min), "hematocrit" (also
//!   "haematocrit", "hd"), "blood_po2" (mmHg; else
//!   [`ReadOptions::default_blood_po2_mmhg`]) and "vessel_type" (Secomb's type code).
//!   Other arrays are ignored.
//! - Boundary nodes are not carried by VTK files: a network read from one has none.
//!
//! Writing: ASCII (readable by ParaView), one piece, one 2-point line per segment, all
//! nodes as points; `<PointData>` "radius" (mean of the incident segments' radii, 0 at
//! a node without segments) and `<CellData>` "radius", "blood_po2", "vessel_type"
//! (Int32), plus "flow" and "hematocrit" when every segment has one (VTK arrays have no
//! blank cells). Numbers are printed in their shortest round-trip form, so reading the
//! file back gives the same nodes, segments, radii, flows, haematocrits, blood pO2s and
//! types. Boundary nodes are not written.

use super::vtk_piece::{PieceReader, Radius};
use super::{check_segment_values, num, read_bytes, ReadOptions};
use crate::atomic;
use crate::vessels::{Network, Segment};
use crate::vtk::array::Encoding;
use crate::{Error, Result};
use glam::DVec3;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Points closer than this (file units, µm) are one node.
const MERGE_TOLERANCE: f64 = 1e-9;

/// Reads a VTK XML PolyData file.
pub(crate) fn read(path: &Path, opts: &ReadOptions) -> Result<Network> {
    let bytes = read_bytes(path, "VTK PolyData file")?;
    parse(&bytes, path, opts)
}

/// Writes `net` as ASCII VTK XML PolyData, atomically.
pub(crate) fn write(net: &Network, path: &Path) -> Result<Vec<PathBuf>> {
    atomic::write(path, to_string(net).as_bytes())?;
    Ok(vec![path.to_path_buf()])
}

/// Maps each point to a node, merging points within `tol` (a hash grid of `tol` cells,
/// so touching polylines connect in linear time). Nodes keep first-appearance order.
fn merge_points(points: &[DVec3], tol: f64) -> (Vec<DVec3>, Vec<usize>) {
    let cell = |p: DVec3| (p / tol).floor().as_i64vec3().to_array();
    let mut grid: HashMap<[i64; 3], Vec<usize>> = HashMap::new();
    let mut nodes: Vec<DVec3> = Vec::new();
    let mut map = Vec::with_capacity(points.len());
    for &p in points {
        let [x, y, z] = cell(p);
        let mut found = None;
        'search: for dx in -1..=1i64 {
            for dy in -1..=1i64 {
                for dz in -1..=1i64 {
                    let key = [
                        x.saturating_add(dx),
                        y.saturating_add(dy),
                        z.saturating_add(dz),
                    ];
                    if let Some(list) = grid.get(&key) {
                        if let Some(&n) = list.iter().find(|&&n| nodes[n].distance(p) <= tol) {
                            found = Some(n);
                            break 'search;
                        }
                    }
                }
            }
        }
        map.push(found.unwrap_or_else(|| {
            grid.entry([x, y, z]).or_default().push(nodes.len());
            nodes.push(p);
            nodes.len() - 1
        }));
    }
    (nodes, map)
}

/// Parses the bytes of a `.vtp` file; `file` names it in errors.
pub fn parse(bytes: &[u8], file: &Path, opts: &ReadOptions) -> Result<Network> {
    let bad = |m: String| Error::input(file, m);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(bad(
            "the file is empty; expected VTK XML PolyData (<VTKFile \
             type=\"PolyData\">)"
                .into(),
        ));
    }
    let doc = crate::vtk::xml::parse(bytes).map_err(bad)?;
    let root = doc.root("VTKFile").ok_or_else(|| {
        bad(
            "no <VTKFile> element: this is not a VTK XML file (a legacy .vtk file must be \
             saved as .vtp in ParaView first)"
                .into(),
        )
    })?;
    let r = &doc.elements[root];
    match r.attr("type") {
        Some("PolyData") => {}
        other => {
            return Err(bad(format!(
                "<VTKFile> (line {}) has type=\"{}\"; oxyfield reads PolyData polylines \
                 (.vtp): in ParaView apply Extract Surface and save as .vtp",
                r.line,
                other.unwrap_or("")
            )))
        }
    }
    let big_endian = match r.attr("byte_order").unwrap_or("LittleEndian") {
        "LittleEndian" => false,
        "BigEndian" => true,
        other => {
            return Err(bad(format!(
                "<VTKFile> (line {}): byte_order=\"{other}\" is neither LittleEndian nor \
                 BigEndian",
                r.line
            )))
        }
    };
    let header_u64 = match r.attr("header_type").unwrap_or("UInt32") {
        "UInt32" => false,
        "UInt64" => true,
        other => {
            return Err(bad(format!(
                "<VTKFile> (line {}): header_type=\"{other}\" is neither UInt32 nor UInt64",
                r.line
            )))
        }
    };
    let enc = Encoding {
        header_u64,
        big_endian,
        compressor: r.attr("compressor"),
    };
    let poly = doc.children(root, "PolyData").next().ok_or_else(|| {
        bad(format!(
            "<VTKFile> (line {}) has no <PolyData> element",
            r.line
        ))
    })?;
    let pieces: Vec<usize> = doc.children(poly, "Piece").collect();
    if pieces.is_empty() {
        return Err(bad(format!(
            "<PolyData> (line {}) has no <Piece>",
            doc.elements[poly].line
        )));
    }

    // Pool the points of every piece, then merge them all, so pieces connect too.
    let mut read = Vec::with_capacity(pieces.len());
    for piece in pieces {
        read.push(
            PieceReader {
                doc: &doc,
                enc,
                piece,
            }
            .read(opts)
            .map_err(bad)?,
        );
    }
    let all: Vec<DVec3> = read.iter().flat_map(|p| p.points.iter().copied()).collect();
    let (nodes, map) = merge_points(&all, MERGE_TOLERANCE);
    let mut net = Network {
        nodes,
        ..Default::default()
    };
    let mut base = 0;
    for p in &read {
        let mut start = 0;
        for (c, &end) in p.ends.iter().enumerate() {
            for w in p.connectivity[start..end].windows(2) {
                let (a, b) = (map[base + w[0]], map[base + w[1]]);
                if a == b {
                    continue;
                }
                let radius_um = match &p.radius {
                    Radius::Cell(v) => v[c],
                    Radius::Point(v) => 0.5 * (v[w[0]] + v[w[1]]),
                };
                let po2 = p
                    .blood_po2
                    .as_ref()
                    .map_or(opts.default_blood_po2_mmhg, |v| v[c]);
                let mut seg = Segment::new(a, b, radius_um, po2);
                seg.flow_nl_per_min = p.flow.as_ref().map(|v| v[c]);
                seg.hematocrit = p.hematocrit.as_ref().map(|v| v[c]);
                seg.kind = p.kind.as_ref().map_or(0, |v| v[c] as i32);
                check_segment_values(radius_um, seg.flow_nl_per_min, seg.hematocrit, po2).map_err(
                    |m| {
                        bad(format!(
                            "line cell {c}, between points {} and {} (radius from {}): {m}",
                            w[0], w[1], p.radius_from
                        ))
                    },
                )?;
                net.segments.push(seg);
            }
            start = end;
        }
        base += p.points.len();
    }
    if net.segments.is_empty() {
        return Err(bad(
            "the file holds no line segments (NumberOfLines is 0, or every \
             polyline has fewer than two distinct points); vessels must be VTK lines or \
             polylines"
                .into(),
        ));
    }
    Ok(net)
}

/// Writes one ASCII `<DataArray>` of `values`, `per_line` to a line.
fn data_array(
    out: &mut String,
    ty: &str,
    name: &str,
    comps: usize,
    values: &[String],
    per_line: usize,
) {
    let comps_attr = if comps > 1 {
        format!(" NumberOfComponents=\"{comps}\"")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "        <DataArray type=\"{ty}\" Name=\"{name}\"{comps_attr} format=\"ascii\">"
    );
    for chunk in values.chunks(per_line.max(1)) {
        let _ = writeln!(out, "          {}", chunk.join(" "));
    }
    let _ = writeln!(out, "        </DataArray>");
}

/// The text of an ASCII `.vtp` for `net` (see the module docs for the arrays).
pub fn to_string(net: &Network) -> String {
    let (n, m) = (net.nodes.len(), net.segments.len());
    let mut sum = vec![0.0; n];
    let mut count = vec![0usize; n];
    for s in &net.segments {
        for k in [s.a, s.b] {
            if k < n {
                sum[k] += s.radius_um;
                count[k] += 1;
            }
        }
    }
    let point_radius: Vec<String> = sum
        .iter()
        .zip(&count)
        .map(|(&s, &c)| num(if c > 0 { s / c as f64 } else { 0.0 }))
        .collect();
    let cell = |f: &dyn Fn(&Segment) -> f64| -> Vec<String> {
        net.segments.iter().map(|s| num(f(s))).collect()
    };
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\"?>\n");
    let _ = writeln!(
        out,
        "<!-- oxyfield {} vessel network: lengths and radii in um, flow in nl/min, \
         blood_po2 in mmHg -->",
        crate::VERSION
    );
    out.push_str(
        "<VTKFile type=\"PolyData\" version=\"1.0\" byte_order=\"LittleEndian\" \
         header_type=\"UInt64\">\n  <PolyData>\n",
    );
    let _ = writeln!(
        out,
        "    <Piece NumberOfPoints=\"{n}\" NumberOfVerts=\"0\" NumberOfLines=\"{m}\" \
         NumberOfStrips=\"0\" NumberOfPolys=\"0\">"
    );
    out.push_str("      <PointData Scalars=\"radius\">\n");
    data_array(&mut out, "Float64", "radius", 1, &point_radius, 6);
    out.push_str("      </PointData>\n      <CellData Scalars=\"radius\">\n");
    data_array(&mut out, "Float64", "radius", 1, &cell(&|s| s.radius_um), 6);
    if net.has_flows() {
        let flows = cell(&|s| s.flow_nl_per_min.unwrap_or(0.0));
        data_array(&mut out, "Float64", "flow", 1, &flows, 6);
    }
    if !net.segments.is_empty() && net.segments.iter().all(|s| s.hematocrit.is_some()) {
        let hd = cell(&|s| s.hematocrit.unwrap_or(0.0));
        data_array(&mut out, "Float64", "hematocrit", 1, &hd, 6);
    }
    data_array(
        &mut out,
        "Float64",
        "blood_po2",
        1,
        &cell(&|s| s.blood_po2_mmhg),
        6,
    );
    let kinds: Vec<String> = net.segments.iter().map(|s| s.kind.to_string()).collect();
    data_array(&mut out, "Int32", "vessel_type", 1, &kinds, 12);
    out.push_str("      </CellData>\n      <Points>\n");
    let xyz: Vec<String> = net
        .nodes
        .iter()
        .flat_map(|p| [num(p.x), num(p.y), num(p.z)])
        .collect();
    data_array(&mut out, "Float64", "Points", 3, &xyz, 3);
    out.push_str("      </Points>\n      <Lines>\n");
    let conn: Vec<String> = net
        .segments
        .iter()
        .flat_map(|s| [s.a.to_string(), s.b.to_string()])
        .collect();
    data_array(&mut out, "Int64", "connectivity", 1, &conn, 12);
    let offsets: Vec<String> = (1..=m).map(|k| (2 * k).to_string()).collect();
    data_array(&mut out, "Int64", "offsets", 1, &offsets, 12);
    out.push_str("      </Lines>\n    </Piece>\n  </PolyData>\n</VTKFile>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_is_exact_and_linear() {
        let pts = [
            DVec3::new(1.0, 2.0, 3.0),
            DVec3::new(4.0, 5.0, 6.0),
            DVec3::new(1.0, 2.0, 3.0 + 1e-12),
            DVec3::new(1.0, 2.0, 3.0 + 1e-6),
        ];
        let (nodes, map) = merge_points(&pts, MERGE_TOLERANCE);
        assert_eq!(map, vec![0, 1, 0, 2]);
        assert_eq!(nodes.len(), 3);
        // A big planar grid (all x equal) merges nothing and stays fast.
        let grid: Vec<DVec3> = (0..200 * 200)
            .map(|i| DVec3::new(0.0, (i / 200) as f64, (i % 200) as f64))
            .collect();
        assert_eq!(merge_points(&grid, MERGE_TOLERANCE).0.len(), grid.len());
    }
}
