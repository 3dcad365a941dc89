//! One `<Piece>` of a VTK PolyData file: its points, polylines, radius and optional
//! per-polyline arrays, decoded and checked (see [`super::vtp`] for the rules).

use super::ReadOptions;
use crate::vtk::array::{self as vtk_array, Encoding, Scalar, Values};
use crate::vtk::xml::Document;
use glam::DVec3;

/// Where segment radii come from.
pub(super) enum Radius {
    /// One value per line cell.
    Cell(Vec<f64>),
    /// One value per point.
    Point(Vec<f64>),
}

/// The parts of one `<Piece>` the network needs.
pub(super) struct Piece {
    /// Point positions (file units).
    pub(super) points: Vec<DVec3>,
    /// End offset of each line into `connectivity`.
    pub(super) ends: Vec<usize>,
    /// Point indices of the lines, one after another (each checked < points.len()).
    pub(super) connectivity: Vec<usize>,
    /// Radii (halved already when the array holds diameters), each ≥ 0.
    pub(super) radius: Radius,
    /// The radius array, described for messages.
    pub(super) radius_from: String,
    /// Optional per-line values, checked: flow (nl/min), haematocrit, blood pO2
    /// (mmHg), vessel type.
    pub(super) flow: Option<Vec<f64>>,
    pub(super) hematocrit: Option<Vec<f64>>,
    pub(super) blood_po2: Option<Vec<f64>>,
    pub(super) kind: Option<Vec<f64>>,
}

/// Reads one piece's arrays; messages name elements and lines, the caller the file.
pub(super) struct PieceReader<'d, 'a> {
    /// The scanned file.
    pub(super) doc: &'d Document<'a>,
    /// How its binary arrays are laid out.
    pub(super) enc: Encoding<'d>,
    /// The index of the `<Piece>` element.
    pub(super) piece: usize,
}

impl PieceReader<'_, '_> {
    fn describe(&self, i: usize) -> String {
        let el = &self.doc.elements[i];
        let parent = el.parent.map_or("", |p| self.doc.elements[p].name.as_str());
        match el.attr("Name") {
            Some(name) => format!(
                "<DataArray Name=\"{name}\"> in <{parent}> (line {})",
                el.line
            ),
            None => format!("<DataArray> in <{parent}> (line {})", el.line),
        }
    }

    /// A count attribute of the piece; absent counts are 0.
    fn count(&self, name: &str) -> std::result::Result<usize, String> {
        let el = &self.doc.elements[self.piece];
        let n: usize = match el.attr(name) {
            None => return Ok(0),
            Some(v) => v.trim().parse().map_err(|_| {
                format!("<Piece> (line {}): {name}=\"{v}\" is not a count", el.line)
            })?,
        };
        // Far above any network (a billion points), and small enough that counts
        // plus one and times a component count cannot overflow.
        if n > 1 << 30 {
            return Err(format!(
                "<Piece> (line {}): {name}=\"{n}\" is more than oxyfield reads (2^30); \
                 the file is damaged or not a vessel network",
                el.line
            ));
        }
        Ok(n)
    }

    /// The `<DataArray>` children of the piece's child `section`.
    fn arrays(&self, section: &str) -> Vec<usize> {
        self.doc
            .children(self.piece, section)
            .flat_map(|s| self.doc.children(s, "DataArray").collect::<Vec<_>>())
            .collect()
    }

    fn named(&self, arrays: &[usize], names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| {
            arrays.iter().copied().find(|&i| {
                self.doc.elements[i]
                    .attr("Name")
                    .is_some_and(|a| a.trim().eq_ignore_ascii_case(n.trim()))
            })
        })
    }

    /// Decodes array `i` of `tuples` × `comps` values (or any of `alt` tuple counts).
    fn decode(
        &self,
        i: usize,
        tuples: &[usize],
        comps: usize,
    ) -> std::result::Result<Values, String> {
        let el = &self.doc.elements[i];
        let at = |m: String| format!("{}: {m}", self.describe(i));
        let ncomp = match el.attr("NumberOfComponents") {
            None => 1,
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map_err(|_| at(format!("NumberOfComponents=\"{v}\" is not a count")))?,
        };
        if ncomp != comps {
            return Err(at(format!(
                "NumberOfComponents is {ncomp}, expected {comps}"
            )));
        }
        let ty = el.attr("type").unwrap_or("");
        let scalar = Scalar::parse(ty).ok_or_else(|| {
            at(format!(
                "type=\"{ty}\" is not a numeric type this reader knows (Int8…Int64, \
                 UInt8…UInt64, Float32, Float64)"
            ))
        })?;
        let counts: Vec<usize> = tuples.iter().map(|t| t.saturating_mul(comps)).collect();
        let format = el.attr("format").unwrap_or("ascii");
        vtk_array::decode(self.doc.content(i), format, scalar, &counts, self.enc).map_err(|m| {
            if m.starts_with("holds") || m.contains("bytes of data") {
                let piece = self.doc.elements[self.piece].line;
                at(format!(
                    "{m}; the counts come from <Piece> (line {piece}): NumberOfPoints, \
                     NumberOfLines (and NumberOfVerts, NumberOfStrips, NumberOfPolys for \
                     <CellData>); make them match the arrays"
                ))
            } else {
                at(m)
            }
        })
    }

    /// The values of cell array `i` that belong to the lines.
    fn line_cells(
        &self,
        i: usize,
        ncells: usize,
        first: usize,
        nlines: usize,
    ) -> std::result::Result<Vec<f64>, String> {
        let v = self.decode(i, &[ncells], 1)?.into_f64();
        Ok(v[first..first + nlines].to_vec())
    }

    pub(super) fn read(&self, opts: &ReadOptions) -> std::result::Result<Piece, String> {
        let piece_line = self.doc.elements[self.piece].line;
        let npoints = self.count("NumberOfPoints")?;
        let nverts = self.count("NumberOfVerts")?;
        let nlines = self.count("NumberOfLines")?;
        let ncells = [self.count("NumberOfStrips")?, self.count("NumberOfPolys")?]
            .iter()
            .try_fold(nverts.saturating_add(nlines), |a, &b| a.checked_add(b))
            .ok_or_else(|| format!("<Piece> (line {piece_line}): cell counts overflow"))?;

        let points = match self.arrays("Points").first() {
            Some(&i) => {
                let xyz = self.decode(i, &[npoints], 3)?.into_f64();
                let pts: Vec<DVec3> = xyz
                    .chunks_exact(3)
                    .map(|c| DVec3::new(c[0], c[1], c[2]))
                    .collect();
                if let Some(k) = pts.iter().position(|p| !p.is_finite()) {
                    return Err(format!(
                        "{}: point {k} is {} {} {}; every coordinate must be a finite number",
                        self.describe(i),
                        pts[k].x,
                        pts[k].y,
                        pts[k].z
                    ));
                }
                pts
            }
            None if npoints == 0 => Vec::new(),
            None => {
                return Err(format!(
                    "<Piece> (line {piece_line}) has NumberOfPoints=\"{npoints}\" but no \
                     <Points><DataArray>"
                ))
            }
        };

        let lines = self.arrays("Lines");
        let (mut ends, mut connectivity) = (Vec::new(), Vec::new());
        if nlines > 0 {
            let find = |name: &str| {
                self.named(&lines, &[name]).ok_or_else(|| {
                    format!(
                        "<Piece> (line {piece_line}) has NumberOfLines=\"{nlines}\" but no \
                         <Lines><DataArray Name=\"{name}\">"
                    )
                })
            };
            let (oi, ci) = (find("offsets")?, find("connectivity")?);
            let raw = match self.decode(oi, &[nlines, nlines + 1], 1)? {
                Values::Int(v) => v,
                Values::Float(_) => {
                    return Err(format!("{}: offsets must be integers", self.describe(oi)))
                }
            };
            let raw = if raw.len() == nlines + 1 && raw[0] == 0 {
                &raw[1..]
            } else if raw.len() == nlines {
                &raw[..]
            } else {
                return Err(format!(
                    "{}: {} offsets, expected {nlines}",
                    self.describe(oi),
                    raw.len()
                ));
            };
            let mut prev = 0usize;
            for (k, &e) in raw.iter().enumerate() {
                match usize::try_from(e) {
                    Ok(e) if e >= prev => {
                        ends.push(e);
                        prev = e;
                    }
                    _ => {
                        return Err(format!(
                            "{}: offset {k} is {e}, below the one before; offsets must not \
                             decrease",
                            self.describe(oi)
                        ))
                    }
                }
            }
            let decoded = self.decode(ci, &[prev], 1).map_err(|m| {
                if let Some((head, _)) = m.split_once("; the counts come from") {
                    format!(
                        "{head}; the count is the last offset of {}: correct the offsets \
                         or the connectivity",
                        self.describe(oi)
                    )
                } else {
                    m
                }
            })?;
            connectivity = match decoded {
                Values::Int(v) => v
                    .iter()
                    .enumerate()
                    .map(|(k, &p)| {
                        usize::try_from(p)
                            .ok()
                            .filter(|&p| p < npoints)
                            .ok_or_else(|| {
                                format!(
                                    "{}: entry {k} is point {p}, but there are {npoints} points; \
                                     point numbers count from 0 and must be below \
                                     NumberOfPoints: correct the connectivity (or the points)",
                                    self.describe(ci)
                                )
                            })
                    })
                    .collect::<std::result::Result<Vec<_>, _>>()?,
                Values::Float(_) => {
                    return Err(format!(
                        "{}: connectivity must be integers",
                        self.describe(ci)
                    ))
                }
            };
        }

        let cell_arrays = self.arrays("CellData");
        let point_arrays = self.arrays("PointData");
        let candidates: Vec<&str> = match &opts.radius_array {
            Some(name) => vec![name.as_str()],
            None => vec!["Node Radius", "radius"],
        };
        let mut radius = None;
        for name in &candidates {
            if let Some(i) = self.named(&cell_arrays, &[name]) {
                radius = Some((i, Radius::Cell(self.line_cells(i, ncells, nverts, nlines)?)));
                break;
            }
            if let Some(i) = self.named(&point_arrays, &[name]) {
                radius = Some((i, Radius::Point(self.decode(i, &[npoints], 1)?.into_f64())));
                break;
            }
        }
        let Some((ri, mut radius)) = radius else {
            let names = |arrays: &[usize]| {
                let n: Vec<String> = arrays
                    .iter()
                    .map(|&i| format!("\"{}\"", self.doc.elements[i].attr("Name").unwrap_or("")))
                    .collect();
                if n.is_empty() {
                    "none".to_string()
                } else {
                    n.join(", ")
                }
            };
            let wanted: Vec<String> = candidates.iter().map(|c| format!("\"{c}\"")).collect();
            return Err(format!(
                "<Piece> (line {piece_line}): no radius array {} in <CellData> or \
                 <PointData>; the arrays are: PointData {}; CellData {}. Name the radius \
                 array with `radius_array` in [vessels.network] (and \
                 `radius_array_is_diameter = true` if it holds diameters), or with \
                 --radius-array NAME (and --diameter) on the command line",
                wanted.join(" or "),
                names(&point_arrays),
                names(&cell_arrays)
            ));
        };
        let values = match &mut radius {
            Radius::Cell(v) | Radius::Point(v) => v,
        };
        if opts.radius_array_is_diameter {
            values.iter_mut().for_each(|r| *r *= 0.5);
        }
        if let Some((k, r)) = values
            .iter()
            .enumerate()
            .find(|(_, r)| !(r.is_finite() && **r >= 0.0))
        {
            return Err(format!(
                "{}: value {k} is {r}; radii must be positive",
                self.describe(ri)
            ));
        }

        let optional = |names: &[&str], check: fn(f64) -> bool, need: &str| {
            let Some(i) = self.named(&cell_arrays, names) else {
                return Ok(None);
            };
            let v = self.line_cells(i, ncells, nverts, nlines)?;
            match v.iter().position(|&x| !check(x)) {
                Some(k) => Err(format!(
                    "{}: the value for line cell {k} is {}; {need}",
                    self.describe(i),
                    v[k]
                )),
                None => Ok(Some(v)),
            }
        };
        Ok(Piece {
            points,
            ends,
            connectivity,
            radius,
            radius_from: self.describe(ri),
            flow: optional(&["flow"], f64::is_finite, "flows must be finite")?,
            hematocrit: optional(
                &["hematocrit", "haematocrit", "hd"],
                |h| (0.0..1.0).contains(&h),
                "haematocrit is a fraction in [0, 1)",
            )?,
            blood_po2: optional(
                &["blood_po2"],
                |p| p.is_finite() && p >= 0.0,
                "blood pO2 must be ≥ 0 mmHg",
            )?,
            kind: optional(
                &["vessel_type"],
                |t| t.fract() == 0.0 && t.abs() <= i32::MAX as f64,
                "vessel types are integers",
            )?,
        })
    }
}
