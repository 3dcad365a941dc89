//! Isolines of a [`Slice2D`] by marching squares, joined into polylines.
//!
//! Used for pO2 contours (e.g. 10 and 2.5 mmHg, the usual hypoxia thresholds) and for
//! vessel outlines (the 0.5 contour of a 0/1 vessel mask).
//!
//! Coordinates are slice coordinates in voxel units with y up: the sample of column
//! `u`, row `v` sits at `(u + 0.5, v + 0.5)`, so a contour spans the lattice of voxel
//! centres. Saddle cells are resolved by the mean of the four corners. Cells with a NaN
//! corner are skipped.

use super::slice::Slice2D;
use std::collections::HashMap;

/// A point in slice coordinates (voxel units, y up).
pub(crate) type Point = (f32, f32);

/// Identifies a lattice edge so that the two cells sharing it produce the very same
/// crossing point: (vertical?, u, v) of its lower-left end.
type EdgeKey = (bool, usize, usize);

/// Crossing point of the isoline `level` on a lattice edge.
fn crossing(s: &Slice2D, key: EdgeKey, level: f32) -> Point {
    let (vertical, u, v) = key;
    let (u1, v1) = if vertical { (u, v + 1) } else { (u + 1, v) };
    let (f0, f1) = (s.get(u, v), s.get(u1, v1));
    let t = ((level - f0) / (f1 - f0)).clamp(0.0, 1.0);
    let (x0, y0) = (u as f32 + 0.5, v as f32 + 0.5);
    if vertical {
        (x0, y0 + t)
    } else {
        (x0 + t, y0)
    }
}

/// Marching-squares segments of the isoline at `level`, as pairs of edge keys.
fn segment_keys(s: &Slice2D, level: f32) -> Vec<(EdgeKey, EdgeKey)> {
    let mut out = Vec::new();
    if s.w < 2 || s.h < 2 {
        return out;
    }
    for v in 0..s.h - 1 {
        for u in 0..s.w - 1 {
            // Corners anticlockwise from bottom-left.
            let f = [
                s.get(u, v),
                s.get(u + 1, v),
                s.get(u + 1, v + 1),
                s.get(u, v + 1),
            ];
            if f.iter().any(|x| x.is_nan()) {
                continue;
            }
            let inside = f.map(|x| x >= level);
            // Edge i joins corner i to corner i + 1.
            let edges: [EdgeKey; 4] = [
                (false, u, v),     // bottom
                (true, u + 1, v),  // right
                (false, u, v + 1), // top
                (true, u, v),      // left
            ];
            let crossed: Vec<usize> = (0..4)
                .filter(|&i| inside[i] != inside[(i + 1) % 4])
                .collect();
            match crossed.len() {
                2 => out.push((edges[crossed[0]], edges[crossed[1]])),
                4 => {
                    let centre_inside = f.iter().sum::<f32>() / 4.0 >= level;
                    if centre_inside == inside[0] {
                        // Corners 0 and 2 are joined through the centre: cut off 1 and 3.
                        out.push((edges[0], edges[1]));
                        out.push((edges[2], edges[3]));
                    } else {
                        // Cut off corners 0 and 2.
                        out.push((edges[3], edges[0]));
                        out.push((edges[1], edges[2]));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The isoline of `slice` at `level` as line segments (the tests' view of them).
#[cfg(test)]
fn segments(slice: &Slice2D, level: f32) -> Vec<(Point, Point)> {
    segment_keys(slice, level)
        .into_iter()
        .map(|(a, b)| (crossing(slice, a, level), crossing(slice, b, level)))
        .collect()
}

/// The isoline of `slice` at `level` joined into polylines (closed loops repeat their
/// first point at the end). The order is deterministic, so dash patterns drawn along
/// the lines are too.
pub(crate) fn polylines(slice: &Slice2D, level: f32) -> Vec<Vec<Point>> {
    let segs = segment_keys(slice, level);
    let mut by_edge: HashMap<EdgeKey, Vec<usize>> = HashMap::new();
    for (i, (a, b)) in segs.iter().enumerate() {
        by_edge.entry(*a).or_default().push(i);
        by_edge.entry(*b).or_default().push(i);
    }
    let mut used = vec![false; segs.len()];
    // The unused segment at `key` other than the one we came from.
    let next = |key: &EdgeKey, used: &[bool]| -> Option<usize> {
        by_edge.get(key)?.iter().copied().find(|&j| !used[j])
    };
    let mut lines = Vec::new();
    for start in 0..segs.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let (a, b) = segs[start];
        // Grow forwards from b, then backwards from a.
        let mut fwd = vec![a, b];
        let mut tip = b;
        while let Some(j) = next(&tip, &used) {
            used[j] = true;
            let (p, q) = segs[j];
            tip = if p == tip { q } else { p };
            fwd.push(tip);
        }
        let mut back = Vec::new();
        let mut tail = a;
        while let Some(j) = next(&tail, &used) {
            used[j] = true;
            let (p, q) = segs[j];
            tail = if p == tail { q } else { p };
            back.push(tail);
        }
        back.reverse();
        back.extend(fwd);
        lines.push(back.iter().map(|&k| crossing(slice, k, level)).collect());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice_from(w: usize, h: usize, f: impl Fn(f32, f32) -> f32) -> Slice2D {
        let mut values = Vec::new();
        for v in 0..h {
            for u in 0..w {
                values.push(f(u as f32 + 0.5, v as f32 + 0.5));
            }
        }
        Slice2D {
            w,
            h,
            values,
            spacing_um: 1.0,
            caption: String::new(),
        }
    }

    #[test]
    fn circle_contour_is_one_closed_loop_at_the_right_radius() {
        let s = slice_from(20, 20, |x, y| {
            ((x - 10.0).powi(2) + (y - 10.0).powi(2)).sqrt()
        });
        let lines = polylines(&s, 6.0);
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(l.first(), l.last(), "closed");
        for &(x, y) in l {
            let r = ((x - 10.0).powi(2) + (y - 10.0).powi(2)).sqrt();
            // Linear interpolation of a cone is exact along lattice lines up to the
            // curvature error of the chord.
            assert!((r - 6.0).abs() < 0.05, "r = {r}");
        }
        assert_eq!(l.len() - 1, segments(&s, 6.0).len());
    }

    #[test]
    fn vertical_step_gives_a_straight_line_halfway() {
        let s = slice_from(6, 4, |x, _| if x < 3.0 { 0.0 } else { 1.0 });
        let lines = polylines(&s, 0.5);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].len(), 4);
        assert!(lines[0].iter().all(|p| p.0 == 3.0));
    }

    #[test]
    fn nan_cells_are_skipped() {
        let mut s = slice_from(3, 3, |x, _| x);
        s.values[4] = f32::NAN;
        assert!(segments(&s, 1.2).is_empty());
    }
}
