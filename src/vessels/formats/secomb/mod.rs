//! Secomb's `network.dat` (GreensV4, NetFlow, AngioAdapt): plain text, read the way
//! GreensV4's `input.cpp` reads it.
//!
//! Layout, line by line:
//!
//! ```text
//! title                                   (any text)
//! 500 500 200   box size x y z (µm)       ┐
//! 50 50 20      tissue points nx ny nz    │ first tokens must be numbers;
//! 0             outer bound distance (µm) │ the rest of each line is a comment;
//! 100           max. segment length (µm)  │ none of them is used
//! 8             max. segments per node    ┘
//! N  total number of segments
//! name type from to diam flow hd          (one header line, any text)
//! N rows: name type from to diameter(µm) [flow(nl/min, from→to)] [hematocrit]
//! M  total number of nodes
//! name x y z                              (header)
//! M rows: name x y z (µm)
//! K  total number of boundary nodes       (this section may be absent)
//! name bctyp press/flow hd po2            (header)
//! K rows: name bctyp value [hematocrit] [pO2 (mmHg)]
//! ```
//!
//! Reading rules:
//! - Tokens are separated by any mix of spaces and tabs. Each count line and each row
//!   may carry a trailing comment after the numbers it needs; an optional number
//!   (flow, haematocrit, boundary haematocrit and pO2) that is absent, or where a
//!   comment starts (a token that does not begin like a number), is unknown (None).
//!   A token that begins like a number but is not one (`1.2.3`) is an error.
//! - Blank lines are skipped everywhere except that the line right after a count line
//!   is always its header line, as in GreensV4 (a "header" holding numbers is refused,
//!   since a missing header would shift every row).
//! - Node names are arbitrary integers, in any order; they become 0-based indices in
//!   file order. Segments and boundary rows name nodes by these names.
//! - Radius = diameter / 2. Every segment gets [`ReadOptions::default_blood_po2_mmhg`]
//!   as its blood pO2: the file gives pO2 only at boundary nodes.
//! - When no segment has a non-zero flow, the flows are placeholders (a file not yet
//!   through NetFlow, or one this writer wrote for a network without flows) and every
//!   flow reads as unknown (None), so that flows are solved from the boundary
//!   conditions rather than taken as zero.
//! - `bctyp` 0 is a pressure (mmHg); 1 or 2 a flow into the network (nl/min).
//! - Counts must match the rows: a row where a count line should be, or a count line
//!   where a row should be, is reported with the count to fix. After the boundary
//!   table, as in GreensV4, only the declared number of rows is read: further data
//!   rows are ignored with a warning that gives the count that would include them.
//!
//! The writer writes the same layout: box size = bounding-box extent rounded up (at
//! least 1 µm), tissue points = ⌈extent / 10 µm⌉ (at least 1), outer bound 0, max.
//! segment length = the longest segment, max. segments per node = the largest node
//! degree; names count from 1; type = the segment's kind (5, unclassified, when 0);
//! a missing flow is written 0 (read back as unknown only when no flow is known) and a
//! missing haematocrit 0.4; boundary rows have `bctyp` 0 (pressure) or 2 (flow), and
//! haematocrit 0.4 and pO2 0 when unknown. Numbers are printed in Rust's shortest
//! round-trip form, so positions, radii and flows read back exactly; per-segment blood
//! pO2 is not written.

use super::{check_segment_values, num, parse_finite, parse_id, read_bytes, ReadOptions};
use crate::atomic;
use crate::vessels::{BoundaryCondition, BoundaryNode, Network, Segment};
use crate::{Error, Result};
use glam::DVec3;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const SEGMENT_COLUMNS: &str = "name type from to diam flow hd";
const NODE_COLUMNS: &str = "name x y z";
const BOUNDARY_COLUMNS: &str = "name bctyp press/flow hd po2";

/// Reads a Secomb `network.dat`.
pub(crate) fn read(path: &Path, opts: &ReadOptions) -> Result<Network> {
    let bytes = read_bytes(path, "Secomb network file")?;
    parse(&String::from_utf8_lossy(&bytes), path, opts)
}

/// Writes `net` as a Secomb `network.dat`, atomically.
pub(crate) fn write(net: &Network, path: &Path) -> Result<Vec<PathBuf>> {
    atomic::write(path, to_string(net).as_bytes())?;
    Ok(vec![path.to_path_buf()])
}

/// The lines of a file with 1-based line numbers.
struct Cursor<'a> {
    lines: Vec<&'a str>,
    next: usize,
}

impl<'a> Cursor<'a> {
    /// The next line, whatever it holds.
    fn raw(&mut self) -> Option<(usize, &'a str)> {
        let line = *self.lines.get(self.next)?;
        self.next += 1;
        Some((self.next, line))
    }

    /// The next line that is not blank.
    fn nonblank(&mut self) -> Option<(usize, &'a str)> {
        loop {
            let (n, line) = self.raw()?;
            if !line.trim().is_empty() {
                return Some((n, line));
            }
        }
    }

    fn remaining(&self) -> usize {
        self.lines.len().saturating_sub(self.next)
    }
}

/// True when the first three tokens are numbers: a data row, not a count or header.
fn looks_like_row(line: &str) -> bool {
    let toks: Vec<&str> = line.split_whitespace().take(3).collect();
    toks.len() == 3 && toks.iter().all(|t| t.parse::<f64>().is_ok())
}

/// True when a token begins like a number, so it is a value (maybe a bad one), not the
/// start of a comment.
fn numberish(tok: &str) -> bool {
    tok.parse::<f64>().is_ok()
        || (tok.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c))
            && tok.chars().any(|c| c.is_ascii_digit()))
}

/// One row of a table: its line number and tokens.
struct Row<'a> {
    line: usize,
    toks: Vec<&'a str>,
}

/// Parsing of one file; `file` names it in errors.
struct Parser<'a, 'p> {
    cur: Cursor<'a>,
    file: &'p Path,
}

impl<'a> Parser<'a, '_> {
    fn err(&self, line: usize, msg: impl std::fmt::Display) -> Error {
        Error::input(self.file, format!("line {line}: {msg}"))
    }

    /// A count line ("N total number of <what>"); None at the end of the file.
    fn count(&mut self, what: &str) -> Result<Option<(usize, usize)>> {
        let Some((ln, line)) = self.cur.nonblank() else {
            return Ok(None);
        };
        let example = format!("e.g. '12 total number of {what}'");
        if looks_like_row(line) {
            return Err(self.err(
                ln,
                format!(
                    "expected the number of {what} ({example}) but found a data row \
                     ('{}'); the count before this line is too small, or this count line \
                     is missing",
                    line.trim()
                ),
            ));
        }
        let tok = line.split_whitespace().next().unwrap_or("");
        match tok.parse::<usize>() {
            Ok(n) => Ok(Some((ln, n))),
            Err(_) => Err(self.err(
                ln,
                format!("expected the number of {what} ({example}), found '{tok}'"),
            )),
        }
    }

    /// The header line after the count on `count_line`, then `n` rows of `what`.
    fn table(
        &mut self,
        count_line: usize,
        n: usize,
        what: &str,
        columns: &str,
    ) -> Result<Vec<Row<'a>>> {
        match self.cur.raw() {
            None => {
                return Err(self.err(
                    count_line,
                    format!(
                        "the file ends after this {what} count; a header line ('{columns}') \
                         and {n} {what} rows should follow"
                    ),
                ))
            }
            Some((ln, line)) if looks_like_row(line) => {
                return Err(self.err(
                    ln,
                    format!(
                        "this should be the header line ('{columns}') after the {what} count \
                         on line {count_line}, but it holds numbers; every count line is \
                         followed by one header line: add it"
                    ),
                ))
            }
            Some(_) => {}
        }
        let mut rows = Vec::with_capacity(n.min(self.cur.remaining()));
        for i in 0..n {
            let Some((ln, line)) = self.cur.nonblank() else {
                return Err(self.err(
                    count_line,
                    format!(
                        "this line announces {n} {what} rows, but the file ends after {i}; \
                         the file is truncated or the count is wrong"
                    ),
                ));
            };
            // A count line here means the count is too large (short rows are reported
            // by the row parser, with the column).
            if line.to_ascii_lowercase().contains("total number") {
                return Err(self.err(
                    ln,
                    format!(
                        "expected {what} row {} of {n} (the count on line {count_line}), \
                         found the next count line '{}'; set the count to {i}",
                        i + 1,
                        line.trim()
                    ),
                ));
            }
            rows.push(Row {
                line: ln,
                toks: line.split_whitespace().collect(),
            });
        }
        Ok(rows)
    }
}

/// Field access with messages that name the column and show the row layout.
struct Fields<'r, 'a> {
    row: &'r Row<'a>,
    file: &'r Path,
    columns: &'static str,
}

impl Fields<'_, '_> {
    fn err(&self, column: &str, msg: impl std::fmt::Display) -> Error {
        Error::input(
            self.file,
            format!(
                "line {}, column '{column}': {msg}; rows of this table are '{}'",
                self.row.line, self.columns
            ),
        )
    }

    fn tok(&self, i: usize, column: &str) -> Result<&str> {
        self.row.toks.get(i).copied().ok_or_else(|| {
            self.err(
                column,
                format!("missing (the row has {} values)", self.row.toks.len()),
            )
        })
    }

    fn id(&self, i: usize, column: &str) -> Result<i64> {
        let t = self.tok(i, column)?;
        parse_id(t, "the value").map_err(|m| self.err(column, m))
    }

    fn number(&self, i: usize, column: &str) -> Result<f64> {
        let t = self.tok(i, column)?;
        parse_finite(t, "the value").map_err(|m| self.err(column, m))
    }

    /// Optional numbers from column `first` on: None where the row ends or a comment
    /// starts (and for every column after it).
    fn optional(&self, first: usize, columns: &[&str]) -> Result<Vec<Option<f64>>> {
        let mut out = vec![None; columns.len()];
        for (k, column) in columns.iter().enumerate() {
            match self.row.toks.get(first + k) {
                Some(t) if numberish(t) => {
                    out[k] = Some(parse_finite(t, "the value").map_err(|m| self.err(column, m))?);
                }
                _ => break,
            }
        }
        Ok(out)
    }
}

/// Parses the text of a `network.dat`; `file` names it in errors.
pub fn parse(text: &str, file: &Path, opts: &ReadOptions) -> Result<Network> {
    if text.trim().is_empty() {
        return Err(Error::input(
            file,
            "the file is empty; a Secomb network.dat starts with a title line, five \
             preamble lines, then the segment, node and boundary-node tables",
        ));
    }
    let mut p = Parser {
        cur: Cursor {
            lines: text.lines().collect(),
            next: 0,
        },
        file,
    };
    p.cur.raw(); // the title
    let preamble = [
        ("box size (x y z, µm)", 3),
        ("tissue points (nx ny nz)", 3),
        ("outer bound distance (µm)", 1),
        ("max. segment length (µm)", 1),
        ("max. segments per node", 1),
    ];
    for (what, n) in preamble {
        let Some((ln, line)) = p.cur.nonblank() else {
            return Err(Error::input(
                file,
                format!("the file ends before the {what} line; the file is truncated"),
            ));
        };
        if line.to_ascii_lowercase().contains("total number") {
            return Err(p.err(
                ln,
                format!(
                    "found a count line where the {what} line should be; the preamble has \
                     5 lines after the title (box size, tissue points, outer bound \
                     distance, max. segment length, max. segments per node): add the \
                     missing ones"
                ),
            ));
        }
        let toks: Vec<&str> = line.split_whitespace().take(n).collect();
        if toks.len() < n || toks.iter().any(|t| t.parse::<f64>().is_err()) {
            return Err(p.err(
                ln,
                format!(
                    "expected the {what}: {n} number(s) first, found '{}'",
                    line.trim()
                ),
            ));
        }
    }

    let Some((seg_count_line, nseg)) = p.count("segments")? else {
        return Err(Error::input(
            file,
            "the file ends before the segment count line; the file is truncated",
        ));
    };
    let seg_rows = p.table(seg_count_line, nseg, "segment", SEGMENT_COLUMNS)?;
    let Some((node_count_line, nnod)) = p.count("nodes")? else {
        return Err(Error::input(
            file,
            "the file ends before the node count line ('M total number of nodes'); the \
             file is truncated",
        ));
    };
    let node_rows = p.table(node_count_line, nnod, "node", NODE_COLUMNS)?;
    let (bc_count_line, bc_rows) = match p.count("boundary nodes")? {
        Some((ln, n)) => (ln, p.table(ln, n, "boundary node", BOUNDARY_COLUMNS)?),
        None => (0, Vec::new()),
    };
    // GreensV4 reads the declared number of boundary rows and nothing after them (its
    // own TumorLowDensity sample has 6 rows under a count of 5); do the same, and say
    // so, since the extra rows may be meant.
    let mut extra = Vec::new();
    while let Some((ln, line)) = p.cur.nonblank() {
        if looks_like_row(line) {
            extra.push(ln);
        }
    }
    if let Some(&first) = extra.first() {
        log::warn!(
            "{}: line {first}: {} data row(s) after the {} boundary nodes that the count \
             on line {bc_count_line} announces are ignored, as GreensV4 ignores them; if \
             they are boundary nodes, set that count to {}",
            file.display(),
            extra.len(),
            bc_rows.len(),
            bc_rows.len() + extra.len()
        );
    }

    let mut net = Network::default();
    let mut index: HashMap<i64, (usize, usize)> = HashMap::with_capacity(node_rows.len());
    for row in &node_rows {
        let f = Fields {
            row,
            file,
            columns: NODE_COLUMNS,
        };
        let name = f.id(0, "name")?;
        let pos = DVec3::new(f.number(1, "x")?, f.number(2, "y")?, f.number(3, "z")?);
        if let Some(&(_, first)) = index.get(&name) {
            return Err(f.err(
                "name",
                format!("node {name} is also named on line {first}; node names must be unique"),
            ));
        }
        index.insert(name, (net.nodes.len(), row.line));
        net.nodes.push(pos);
    }
    let node = |f: &Fields, i: usize, column: &str| -> Result<usize> {
        let name = f.id(i, column)?;
        index.get(&name).map(|&(k, _)| k).ok_or_else(|| {
            f.err(
                column,
                format!(
                    "node {name} is not in the node table (line {node_count_line} on); add it \
                     or correct the name"
                ),
            )
        })
    };

    net.segments.reserve(seg_rows.len());
    for row in &seg_rows {
        let f = Fields {
            row,
            file,
            columns: SEGMENT_COLUMNS,
        };
        f.id(0, "name")?;
        let kind = i32::try_from(f.id(1, "type")?)
            .map_err(|_| f.err("type", "out of range for a vessel type code"))?;
        let (a, b) = (node(&f, 2, "from")?, node(&f, 3, "to")?);
        let diameter = f.number(4, "diam")?;
        let opt = f.optional(5, &["flow", "hd"])?;
        let mut seg = Segment::new(a, b, diameter / 2.0, opts.default_blood_po2_mmhg);
        seg.kind = kind;
        seg.flow_nl_per_min = opt[0];
        seg.hematocrit = opt[1];
        if diameter <= 0.0 {
            return Err(f.err("diam", format!("{diameter} µm; diameters must be positive")));
        }
        check_segment_values(seg.radius_um, seg.flow_nl_per_min, seg.hematocrit, 0.0)
            .map_err(|m| f.err("hd", m))?;
        if a == b || net.nodes[a] == net.nodes[b] {
            return Err(f.err(
                "to",
                "the segment has zero length (both ends are the same node or at the same \
                 position); remove it or correct its nodes",
            ));
        }
        net.segments.push(seg);
    }

    // Flows that are all zero are placeholders (files not yet through NetFlow, or
    // written here from a network without flows): no flow is known.
    if net
        .segments
        .iter()
        .all(|s| s.flow_nl_per_min.is_none_or(|q| q == 0.0))
    {
        net.segments
            .iter_mut()
            .for_each(|s| s.flow_nl_per_min = None);
    }

    let mut seen: HashMap<usize, usize> = HashMap::new();
    for row in &bc_rows {
        let f = Fields {
            row,
            file,
            columns: BOUNDARY_COLUMNS,
        };
        let k = node(&f, 0, "name")?;
        let condition = match f.id(1, "bctyp")? {
            0 => BoundaryCondition::Pressure(f.number(2, "press/flow")?),
            1 | 2 => BoundaryCondition::Flow(f.number(2, "press/flow")?),
            t => {
                return Err(f.err(
                    "bctyp",
                    format!(
                        "{t} is not a boundary type: use 0 (pressure, mmHg) or 2 (flow into \
                         the network, nl/min)"
                    ),
                ))
            }
        };
        let opt = f.optional(3, &["hd", "po2"])?;
        if let Some(h) = opt[0].filter(|h| !(0.0..1.0).contains(h)) {
            return Err(f.err("hd", format!("{h} is not a haematocrit in [0, 1)")));
        }
        if let Some(q) = opt[1].filter(|q| *q < 0.0) {
            return Err(f.err("po2", format!("{q} mmHg is negative")));
        }
        if let Some(first) = seen.insert(k, row.line) {
            return Err(f.err(
                "name",
                format!("this node already has a boundary condition on line {first}; keep one"),
            ));
        }
        net.boundary.push(BoundaryNode {
            node: k,
            condition,
            hematocrit: opt[0],
            po2_mmhg: opt[1],
        });
    }
    Ok(net)
}

/// The text of a `network.dat` for `net` (see the module docs for the values written).
pub fn to_string(net: &Network) -> String {
    let (lo, hi) = net.bounding_box().unwrap_or((DVec3::ZERO, DVec3::ZERO));
    let ext = (hi - lo).to_array();
    let length = |s: &Segment| match (net.nodes.get(s.a), net.nodes.get(s.b)) {
        (Some(a), Some(b)) => a.distance(*b),
        _ => 0.0,
    };
    let max_len = net.segments.iter().map(length).fold(0.0, f64::max);
    let mut degree = vec![0usize; net.nodes.len()];
    for s in &net.segments {
        for k in [s.a, s.b] {
            if let Some(d) = degree.get_mut(k) {
                *d += 1;
            }
        }
    }
    let max_degree = degree.iter().copied().max().unwrap_or(0);

    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = (|| -> std::fmt::Result {
        writeln!(
            s,
            "oxyfield network: {} segments, {} nodes (lengths in um, flow in nl/min)",
            net.segments.len(),
            net.nodes.len()
        )?;
        let [bx, by, bz] = ext.map(|e| num(e.ceil().max(1.0)));
        writeln!(s, "{bx} {by} {bz}\tbox dimensions in microns")?;
        let [tx, ty, tz] = ext.map(|e| num((e / 10.0).ceil().max(1.0)));
        writeln!(
            s,
            "{tx} {ty} {tz}\tnumber of tissue points in x, y, z directions"
        )?;
        writeln!(s, "0\touter bound distance")?;
        writeln!(s, "{}\tmax. segment length", num(max_len))?;
        writeln!(s, "{max_degree}\tmaximum number of segments per node")?;
        writeln!(s, "{}\ttotal number of segments", net.segments.len())?;
        writeln!(s, "{SEGMENT_COLUMNS}")?;
        for (i, g) in net.segments.iter().enumerate() {
            writeln!(
                s,
                "{} {} {} {} {} {} {}",
                i + 1,
                if g.kind == 0 { 5 } else { g.kind },
                g.a + 1,
                g.b + 1,
                num(2.0 * g.radius_um),
                num(g.flow_nl_per_min.unwrap_or(0.0)),
                num(g.hematocrit.unwrap_or(0.4)),
            )?;
        }
        writeln!(s, "{}\ttotal number of nodes", net.nodes.len())?;
        writeln!(s, "{NODE_COLUMNS}")?;
        for (i, p) in net.nodes.iter().enumerate() {
            writeln!(s, "{} {} {} {}", i + 1, num(p.x), num(p.y), num(p.z))?;
        }
        writeln!(s, "{}\ttotal number of boundary nodes", net.boundary.len())?;
        writeln!(s, "{BOUNDARY_COLUMNS}")?;
        for b in &net.boundary {
            let (typ, v) = match b.condition {
                BoundaryCondition::Pressure(p) => (0, p),
                BoundaryCondition::Flow(q) => (2, q),
            };
            writeln!(
                s,
                "{} {typ} {} {} {}",
                b.node + 1,
                num(v),
                num(b.hematocrit.unwrap_or(0.4)),
                num(b.po2_mmhg.unwrap_or(0.0)),
            )?;
        }
        Ok(())
    })();
    s
}

#[cfg(test)]
mod tests;
