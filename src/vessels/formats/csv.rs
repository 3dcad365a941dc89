//! CSV tables: nodes, segments and (optionally) boundary nodes, one file each.
//!
//! File naming (the "prefix" `X` may be a whole path stem; names end in `.csv`):
//! - `X_nodes.csv`, `X_segments.csv` or `X_boundary.csv` given: the tables are
//!   `X_nodes.csv`, `X_segments.csv` and `X_boundary.csv`. Plain `nodes.csv`,
//!   `segments.csv` and `boundary.csv` are the same with an empty prefix.
//! - Any other `X.csv`: the tables are `X_nodes.csv`, `X_segments.csv`,
//!   `X_boundary.csv`; except when reading with [`ReadOptions::segments_csv`] set, where
//!   `X.csv` itself is the nodes table.
//! - [`ReadOptions::segments_csv`], when set, is always the segments table.
//! - The boundary table is optional: it is read when it exists.
//!
//! Writing to any of these names writes `X_nodes.csv` and `X_segments.csv`, and
//! `X_boundary.csv` when the network has boundary nodes (or when a file of that name
//! is already there, which is then overwritten with an empty table, so that reading the
//! prefix back never mixes in an old boundary table).
//!
//! Tables: a header row, then one row per item. Columns are matched by name without
//! case, in any order; unknown columns are ignored. Lines starting with `#` and blank
//! lines are skipped. The delimiter is `,`; when the header has no comma, `;` or a tab.
//! Fields may be double-quoted. An empty optional cell means unknown.
//! - nodes: `id` (also `node`, `name`; any integers, unique), `x`, `y`, `z` (µm).
//! - segments: `from` (also `a`), `to` (also `b`): node ids; `radius` (µm; or
//!   `diameter`, halved); optional `id` (ignored), `flow` (nl/min, positive from→to),
//!   `hd` (also `hematocrit`, `haematocrit`), `po2` (also `blood_po2`, mmHg; else
//!   [`ReadOptions::default_blood_po2_mmhg`]), `type` (also `kind`; 0 when absent).
//! - boundary: `node`, `bctyp` (`pressure` or `flow`, or Secomb's 0 = pressure,
//!   1 or 2 = flow), `value` (mmHg or nl/min into the network), optional `hd`, `po2`.
//!
//! The writer uses the first name of each column, node ids 0, 1, 2, … (the network's
//! indices), empty cells for unknown flows and haematocrits, and numbers in their
//! shortest round-trip form, so a network reads back equal in every field.

use super::{check_segment_values, num, parse_finite, parse_id, read_bytes, ReadOptions};
use crate::atomic;
use crate::vessels::{BoundaryCondition, BoundaryNode, Network, Segment};
use crate::{Error, Result};
use glam::DVec3;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The files of one CSV network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    /// The nodes table.
    pub nodes: PathBuf,
    /// The segments table.
    pub segments: PathBuf,
    /// The boundary table (when reading: only if it exists).
    pub boundary: Option<PathBuf>,
}

/// The role a file name gives a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Nodes,
    Segments,
    Boundary,
}

const ROLES: [(Role, &str); 3] = [
    (Role::Nodes, "nodes"),
    (Role::Segments, "segments"),
    (Role::Boundary, "boundary"),
];

/// The prefix of the tables' names (with its trailing `_`, or empty) and the role the
/// name of `path` gives it, if any.
fn prefix_of(path: &Path) -> (String, Option<Role>) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    for (role, word) in ROLES {
        if lower == format!("{word}.csv") {
            return (String::new(), Some(role));
        }
        let suffix = format!("_{word}.csv");
        if lower.ends_with(&suffix) {
            return (
                name[..name.len() - suffix.len() + 1].to_string(),
                Some(role),
            );
        }
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    (format!("{stem}_"), None)
}

fn table(path: &Path, prefix: &str, word: &str) -> PathBuf {
    path.with_file_name(format!("{prefix}{word}.csv"))
}

/// The tables read for `path` (see the module docs).
pub fn input_tables(path: &Path, opts: &ReadOptions) -> Tables {
    let (prefix, role) = prefix_of(path);
    let nodes = match (role, &opts.segments_csv) {
        (Some(Role::Nodes), _) | (None, Some(_)) => path.to_path_buf(),
        _ => table(path, &prefix, "nodes"),
    };
    let segments = match (&opts.segments_csv, role) {
        (Some(s), _) => s.clone(),
        (None, Some(Role::Segments)) => path.to_path_buf(),
        (None, _) => table(path, &prefix, "segments"),
    };
    let boundary = match role {
        Some(Role::Boundary) => path.to_path_buf(),
        _ => table(path, &prefix, "boundary"),
    };
    Tables {
        nodes,
        segments,
        boundary: boundary.is_file().then_some(boundary),
    }
}

/// The tables written for `path`; `boundary` is always named.
pub(crate) fn output_tables(path: &Path) -> Tables {
    let (prefix, _) = prefix_of(path);
    Tables {
        nodes: table(path, &prefix, "nodes"),
        segments: table(path, &prefix, "segments"),
        boundary: Some(table(path, &prefix, "boundary")),
    }
}

/// One parsed table.
struct Table {
    file: PathBuf,
    /// Column names, lower case.
    header: Vec<String>,
    /// Line number and fields of each row.
    rows: Vec<(usize, Vec<String>)>,
    /// What the table must hold, for messages.
    layout: &'static str,
}

/// Splits a line at `delim`, honouring double quotes (`""` inside is a quote).
fn split(line: &str, delim: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, c) if c == delim => out.push(std::mem::take(&mut cur).trim().to_string()),
            (_, c) => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

impl Table {
    fn read(file: &Path, what: &str, layout: &'static str) -> Result<Table> {
        let bytes = read_bytes(file, what)?;
        let text = String::from_utf8_lossy(&bytes);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_start_matches('\u{feff}')))
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        let Some((hl, head)) = lines.next() else {
            return Err(Error::input(
                file,
                format!(
                    "the {what} is empty; it needs a header row and one row per item ({layout})"
                ),
            ));
        };
        let delim = [',', ';', '\t']
            .into_iter()
            .find(|&d| head.contains(d))
            .unwrap_or(',');
        let header: Vec<String> = split(head, delim)
            .into_iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        for (k, h) in header.iter().enumerate() {
            if !h.is_empty() && header[..k].contains(h) {
                return Err(Error::input(
                    file,
                    format!("line {hl}: the header names column '{h}' twice; keep one"),
                ));
            }
        }
        let mut rows = Vec::new();
        for (ln, line) in lines {
            let fields = split(line, delim);
            if fields.len() > header.len() && fields[header.len()..].iter().any(|f| !f.is_empty()) {
                return Err(Error::input(
                    file,
                    format!(
                        "line {ln} has {} fields but the header (line {hl}) has {}; check the \
                         delimiter (decimal commas need ';' between fields)",
                        fields.len(),
                        header.len()
                    ),
                ));
            }
            rows.push((ln, fields));
        }
        Ok(Table {
            file: file.to_path_buf(),
            header,
            rows,
            layout,
        })
    }

    fn col(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| h == n))
    }

    fn need(&self, names: &[&str]) -> Result<usize> {
        self.col(names).ok_or_else(|| {
            Error::input(
                &self.file,
                format!(
                    "no '{}' column; the header has: {}; this table needs {}",
                    names[0],
                    self.header.join(", "),
                    self.layout
                ),
            )
        })
    }

    fn err(&self, line: usize, col: usize, msg: impl std::fmt::Display) -> Error {
        let name = self.header.get(col).map_or("", String::as_str);
        Error::input(&self.file, format!("line {line}, column '{name}': {msg}"))
    }

    fn cell<'r>(&self, row: &'r [String], col: usize) -> &'r str {
        row.get(col).map_or("", String::as_str)
    }

    fn number(&self, (ln, row): &(usize, Vec<String>), col: usize) -> Result<f64> {
        match self.cell(row, col) {
            "" => Err(self.err(*ln, col, "empty; a number is needed")),
            t => parse_finite(t, "the value").map_err(|m| self.err(*ln, col, m)),
        }
    }

    fn optional(
        &self,
        (ln, row): &(usize, Vec<String>),
        col: Option<usize>,
    ) -> Result<Option<f64>> {
        match col.map(|c| (c, self.cell(row, c))) {
            None | Some((_, "")) => Ok(None),
            Some((c, t)) => parse_finite(t, "the value")
                .map(Some)
                .map_err(|m| self.err(*ln, c, m)),
        }
    }

    fn id(&self, (ln, row): &(usize, Vec<String>), col: usize) -> Result<i64> {
        match self.cell(row, col) {
            "" => Err(self.err(*ln, col, "empty; a node id is needed")),
            t => parse_id(t, "the value").map_err(|m| self.err(*ln, col, m)),
        }
    }
}

/// Reads the CSV tables named by `path` (see the module docs).
pub(crate) fn read(path: &Path, opts: &ReadOptions) -> Result<Network> {
    let tables = input_tables(path, opts);
    let nodes = Table::read(&tables.nodes, "CSV nodes table", "columns id,x,y,z")?;
    if opts.segments_csv.is_none() && !tables.segments.is_file() {
        return Err(Error::input(
            &tables.segments,
            format!(
                "the segments table of the nodes table {} is missing: a CSV network is \
                 two files, X_nodes.csv and X_segments.csv side by side; add it, or name \
                 the segments table (`--segments-csv`, or `segments_csv` in \
                 [vessels.network])",
                tables.nodes.display()
            ),
        ));
    }
    let segs = Table::read(
        &tables.segments,
        "CSV segments table",
        "columns from,to,radius and optionally id,flow,hd,po2,type",
    )?;
    let mut net = Network::default();

    let (id, x, y, z) = (
        nodes.need(&["id", "node", "name"])?,
        nodes.need(&["x"])?,
        nodes.need(&["y"])?,
        nodes.need(&["z"])?,
    );
    let mut index: HashMap<i64, (usize, usize)> = HashMap::with_capacity(nodes.rows.len());
    for row in &nodes.rows {
        let name = nodes.id(row, id)?;
        let p = DVec3::new(
            nodes.number(row, x)?,
            nodes.number(row, y)?,
            nodes.number(row, z)?,
        );
        if let Some(&(_, first)) = index.get(&name) {
            return Err(nodes.err(
                row.0,
                id,
                format!("node {name} is also on line {first}; node ids must be unique"),
            ));
        }
        index.insert(name, (net.nodes.len(), row.0));
        net.nodes.push(p);
    }
    let node = |t: &Table, row: &(usize, Vec<String>), col: usize| -> Result<usize> {
        let name = t.id(row, col)?;
        index.get(&name).map(|&(k, _)| k).ok_or_else(|| {
            t.err(
                row.0,
                col,
                format!(
                    "node {name} is not in the nodes table {}; add it or correct the id",
                    tables.nodes.display()
                ),
            )
        })
    };

    let (from, to) = (segs.need(&["from", "a"])?, segs.need(&["to", "b"])?);
    let (radius, halve) = match segs.col(&["radius", "radius_um"]) {
        Some(c) => (c, false),
        None => match segs.col(&["diameter", "diam"]) {
            Some(c) => (c, true),
            None => (segs.need(&["radius"])?, false),
        },
    };
    let flow = segs.col(&["flow", "flow_nl_per_min"]);
    let hd = segs.col(&["hd", "hematocrit", "haematocrit"]);
    let po2 = segs.col(&["po2", "blood_po2", "blood_po2_mmhg"]);
    let kind = segs.col(&["type", "kind"]);
    net.segments.reserve(segs.rows.len());
    for row in &segs.rows {
        let (a, b) = (node(&segs, row, from)?, node(&segs, row, to)?);
        let r = segs.number(row, radius)? * if halve { 0.5 } else { 1.0 };
        let blood = segs
            .optional(row, po2)?
            .unwrap_or(opts.default_blood_po2_mmhg);
        let mut s = Segment::new(a, b, r, blood);
        s.flow_nl_per_min = segs.optional(row, flow)?;
        s.hematocrit = segs.optional(row, hd)?;
        if let Some(c) = kind {
            if !segs.cell(&row.1, c).is_empty() {
                s.kind = i32::try_from(segs.id(row, c)?)
                    .map_err(|_| segs.err(row.0, c, "out of range for a vessel type"))?;
            }
        }
        if !(r.is_finite() && r > 0.0) {
            let what = if halve { "diameter" } else { "radius" };
            let given = if halve { 2.0 * r } else { r };
            return Err(segs.err(
                row.0,
                radius,
                format!("the {what} is {given} µm; a vessel's {what} must be a positive number"),
            ));
        }
        check_segment_values(r, s.flow_nl_per_min, s.hematocrit, blood).map_err(|m| {
            let col = if s.hematocrit.is_some_and(|h| !(0.0..1.0).contains(&h)) {
                hd
            } else {
                po2
            };
            segs.err(row.0, col.unwrap_or(radius), m)
        })?;
        if a == b || net.nodes[a] == net.nodes[b] {
            return Err(segs.err(
                row.0,
                to,
                "the segment has zero length (both ends are the same node or at the same \
                 position); remove it or correct its nodes",
            ));
        }
        net.segments.push(s);
    }

    if let Some(file) = &tables.boundary {
        let bc = Table::read(
            file,
            "CSV boundary table",
            "columns node,bctyp,value and optionally hd,po2",
        )?;
        let (nc, tc, vc) = (
            bc.need(&["node", "id", "name"])?,
            bc.need(&["bctyp", "type", "condition"])?,
            bc.need(&["value", "pressure_or_flow"])?,
        );
        let (hc, pc) = (
            bc.col(&["hd", "hematocrit", "haematocrit"]),
            bc.col(&["po2", "blood_po2"]),
        );
        let mut seen: HashMap<usize, usize> = HashMap::new();
        for row in &bc.rows {
            let k = node(&bc, row, nc)?;
            let value = bc.number(row, vc)?;
            let condition = match bc.cell(&row.1, tc).to_ascii_lowercase().as_str() {
                "pressure" | "0" => BoundaryCondition::Pressure(value),
                "flow" | "1" | "2" => BoundaryCondition::Flow(value),
                t => {
                    return Err(bc.err(
                        row.0,
                        tc,
                        format!(
                            "'{t}' is not a boundary type: use 'pressure' (mmHg) or 'flow' \
                             (nl/min into the network)"
                        ),
                    ))
                }
            };
            let hematocrit = bc.optional(row, hc)?;
            if let (Some(h), Some(c)) = (hematocrit, hc) {
                if !(0.0..1.0).contains(&h) {
                    return Err(bc.err(row.0, c, format!("{h} is not a haematocrit in [0, 1)")));
                }
            }
            let po2_mmhg = bc.optional(row, pc)?;
            if let (Some(p), Some(c)) = (po2_mmhg, pc) {
                if p < 0.0 {
                    return Err(bc.err(row.0, c, format!("{p} mmHg is negative")));
                }
            }
            if let Some(first) = seen.insert(k, row.0) {
                return Err(bc.err(
                    row.0,
                    nc,
                    format!("this node already has a boundary condition on line {first}; keep one"),
                ));
            }
            net.boundary.push(BoundaryNode {
                node: k,
                condition,
                hematocrit,
                po2_mmhg,
            });
        }
    }
    Ok(net)
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

/// The text of the three tables of `net`: nodes, segments, boundary.
pub fn to_strings(net: &Network) -> [String; 3] {
    let mut nodes = String::from("id,x,y,z\n");
    for (i, p) in net.nodes.iter().enumerate() {
        let _ = writeln!(nodes, "{i},{},{},{}", num(p.x), num(p.y), num(p.z));
    }
    let mut segs = String::from("id,from,to,radius,flow,hd,po2,type\n");
    for (i, s) in net.segments.iter().enumerate() {
        let _ = writeln!(
            segs,
            "{i},{},{},{},{},{},{},{}",
            s.a,
            s.b,
            num(s.radius_um),
            opt(s.flow_nl_per_min),
            opt(s.hematocrit),
            num(s.blood_po2_mmhg),
            s.kind
        );
    }
    let mut bc = String::from("node,bctyp,value,hd,po2\n");
    for b in &net.boundary {
        let (t, v) = match b.condition {
            BoundaryCondition::Pressure(p) => ("pressure", p),
            BoundaryCondition::Flow(q) => ("flow", q),
        };
        let _ = writeln!(
            bc,
            "{},{t},{},{},{}",
            b.node,
            num(v),
            opt(b.hematocrit),
            opt(b.po2_mmhg)
        );
    }
    [nodes, segs, bc]
}

/// Writes the tables of `net` for `path` (see the module docs), each atomically;
/// returns the files written.
pub(crate) fn write(net: &Network, path: &Path) -> Result<Vec<PathBuf>> {
    let t = output_tables(path);
    let [nodes, segs, bc] = to_strings(net);
    atomic::write(&t.nodes, nodes.as_bytes())?;
    atomic::write(&t.segments, segs.as_bytes())?;
    let mut written = vec![t.nodes, t.segments];
    if let Some(b) = t.boundary {
        if !net.boundary.is_empty() || b.exists() {
            atomic::write(&b, bc.as_bytes())?;
            written.push(b);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_rules() {
        let o = ReadOptions::default();
        let t = input_tables(Path::new("d/vess_nodes.csv"), &o);
        assert_eq!(t.nodes, Path::new("d/vess_nodes.csv"));
        assert_eq!(t.segments, Path::new("d/vess_segments.csv"));
        let t = input_tables(Path::new("d/vess_segments.csv"), &o);
        assert_eq!(t.nodes, Path::new("d/vess_nodes.csv"));
        let t = input_tables(Path::new("d/vess.csv"), &o);
        assert_eq!(t.nodes, Path::new("d/vess_nodes.csv"));
        let t = input_tables(Path::new("d/segments.csv"), &o);
        assert_eq!(t.nodes, Path::new("d/nodes.csv"));
        let o = ReadOptions {
            segments_csv: Some("d/edges.csv".into()),
            ..o
        };
        let t = input_tables(Path::new("d/points.csv"), &o);
        assert_eq!(t.nodes, Path::new("d/points.csv"));
        assert_eq!(t.segments, Path::new("d/edges.csv"));
        assert_eq!(t.boundary, None);
        let w = output_tables(Path::new("d/Net_Boundary.csv"));
        assert_eq!(w.nodes, Path::new("d/Net_nodes.csv"));
    }

    #[test]
    fn quoting_delimiters_and_comments() {
        assert_eq!(split(" \"a,b\" , c ,\"x\"\"y\"", ','), ["a,b", "c", "x\"y"]);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, "\u{feff}# note\n\nX;\"Y\";z\n1,5;2;3\n").unwrap();
        let t = Table::read(&p, "table", "x").unwrap();
        assert_eq!(t.header, ["x", "y", "z"]);
        assert_eq!(
            t.rows,
            vec![(4, vec!["1,5".into(), "2".into(), "3".into()])]
        );
        let e = t.number(&t.rows[0], 0).unwrap_err().to_string();
        assert!(e.contains("line 4, column 'x'"), "{e}");
    }
}
