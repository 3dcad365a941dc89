//! Tests of the tree generator.

use super::*;
use std::collections::HashSet;

fn tree_spec() -> SyntheticSpec {
    SyntheticSpec {
        kind: crate::config::kinds::SyntheticKind::Tree,
        ..SyntheticSpec::default()
    }
}

/// The default scenario's block: 1280 × 1280 × 640 µm.
fn default_grid() -> Grid {
    Grid::from_shape_zyx([64, 128, 128], 10.0)
}

/// Asserts the structural rules of the module docs and returns the terminals.
fn check_trees(net: &Network, grid: &Grid, spec: &SyntheticSpec) -> Vec<usize> {
    net.check().unwrap();
    let e = grid.extent_um();
    for p in &net.nodes {
        assert!(
            p.cmpge(DVec3::ZERO).all() && p.cmple(e).all(),
            "{p} outside"
        );
    }
    // One incoming segment per non-root node, pointing away from the root.
    let mut incoming = vec![None; net.nodes.len()];
    let mut out = vec![Vec::new(); net.nodes.len()];
    for (i, s) in net.segments.iter().enumerate() {
        assert!(s.a < s.b, "segment {i} points toward its root");
        assert!(
            incoming[s.b].replace(i).is_none(),
            "node {} has two parents",
            s.b
        );
        out[s.a].push(i);
        assert_eq!(s.kind, 1);
        assert_eq!(s.blood_po2_mmhg, spec.blood_po2_mmhg[1]);
    }
    let roots: Vec<usize> = (0..net.nodes.len())
        .filter(|&v| incoming[v].is_none())
        .collect();
    assert_eq!(roots.len(), spec.trees);
    assert_eq!(net.segments.len(), net.nodes.len() - roots.len());
    // Every node reachable from a root (with n − roots edges: a forest).
    let mut seen = vec![false; net.nodes.len()];
    let mut stack = roots.clone();
    while let Some(v) = stack.pop() {
        assert!(!std::mem::replace(&mut seen[v], true));
        stack.extend(out[v].iter().map(|&s| net.segments[s].b));
    }
    assert!(seen.iter().all(|&s| s));
    // Murray's law at bifurcations; one radius along unbranched vessels.
    for (v, o) in out.iter().enumerate() {
        assert!(o.len() <= 2, "node {v} has {} children", o.len());
        let Some(pin) = incoming[v] else {
            assert_eq!(o.len(), 1, "root {v}");
            continue;
        };
        if o.is_empty() {
            continue;
        }
        let r_in = net.segments[pin].radius_um.powi(3);
        let r_out: f64 = o.iter().map(|&s| net.segments[s].radius_um.powi(3)).sum();
        assert!(
            ((r_in - r_out) / r_in).abs() < 1e-9,
            "node {v}: {r_in} vs {r_out}"
        );
        if o.len() == 1 {
            assert_eq!(net.segments[pin].radius_um, net.segments[o[0]].radius_um);
        }
    }
    // Boundary nodes: exactly the roots, then the terminals.
    let terminals: Vec<usize> = (0..net.nodes.len())
        .filter(|&v| incoming[v].is_some() && out[v].is_empty())
        .collect();
    for &t in &terminals {
        let r = net.segments[incoming[t].unwrap()].radius_um;
        assert!((spec.radius_um[0]..spec.radius_um[1]).contains(&r));
    }
    let bnodes: Vec<usize> = net.boundary.iter().map(|b| b.node).collect();
    assert_eq!(bnodes, [roots.clone(), terminals.clone()].concat());
    for b in &net.boundary {
        if roots.contains(&b.node) {
            let root = net.nodes[b.node];
            assert!(
                root.x == 0.0 || root.y == 0.0 || root.x == e.x || root.y == e.y,
                "root {root} off the side faces"
            );
            assert_eq!(
                b.condition,
                BoundaryCondition::Pressure(spec.inlet_pressure_mmhg)
            );
            assert_eq!(b.hematocrit, Some(0.45));
            assert_eq!(b.po2_mmhg, Some(spec.blood_po2_mmhg[1]));
        } else {
            assert_eq!(
                b.condition,
                BoundaryCondition::Pressure(spec.outlet_pressure_mmhg)
            );
            assert_eq!((b.hematocrit, b.po2_mmhg), (None, None));
        }
    }
    terminals
}

#[test]
fn reproducible_by_seed() {
    let grid = Grid::from_shape_zyx([20, 40, 40], 10.0);
    let spec = tree_spec();
    let a = generate(&grid, &spec, 3);
    assert!(!a.segments.is_empty());
    assert_eq!(a, generate(&grid, &spec, 3));
    assert_ne!(a, generate(&grid, &spec, 4));
}

#[test]
fn default_block_meets_density_murray_and_forest_rules() {
    let grid = default_grid();
    let spec = tree_spec();
    let t0 = std::time::Instant::now();
    let net = generate(&grid, &spec, 20261121);
    let elapsed = t0.elapsed();
    let terminals = check_trees(&net, &grid, &spec);
    let e = grid.extent_um();
    let st = net.stats(e.x * e.y * e.z);
    // Overshoot is at most the last branch, which is short once the block is full.
    assert!(st.density_mm_per_mm3 >= spec.density_mm_per_mm3);
    assert!(st.density_mm_per_mm3 < 1.02 * spec.density_mm_per_mm3);
    let radii = net.segments.iter().map(|s| s.radius_um);
    let (rmin, rmax) = radii.fold((f64::MAX, 0.0f64), |(lo, hi), r| (lo.min(r), hi.max(r)));
    let root_radii: Vec<String> = net.boundary[..spec.trees]
        .iter()
        .map(|b| {
            let s = net.segments.iter().find(|s| s.a == b.node).unwrap();
            format!("{:.2}", s.radius_um)
        })
        .collect();
    eprintln!(
        "tree, default block, seed 20261121: {} segments, {} nodes, {} terminals, {:.2} mm \
         ({:.1} mm/mm³), root radii [{}] µm, radius {rmin:.2}–{rmax:.2} µm, {:.1} ms",
        st.segments,
        net.nodes.len(),
        terminals.len(),
        st.total_length_um / 1000.0,
        st.density_mm_per_mm3,
        root_radii.join(", "),
        elapsed.as_secs_f64() * 1e3
    );
    // Space filling with gaps: tissue-to-vessel distances in the tumour range
    // (intervessel distances 50–200 µm, MODEL.md §2).
    let mut rng = Rng::new(1);
    let mut d: Vec<f64> = (0..2000)
        .map(|_| {
            let p = DVec3::new(rng.uniform(), rng.uniform(), rng.uniform()) * e;
            net.segments
                .iter()
                .map(|s| closest_on_segment(p, net.nodes[s.a], net.nodes[s.b]).1)
                .fold(f64::MAX, f64::min)
        })
        .collect();
    d.sort_by(f64::total_cmp);
    let (median, p95) = (d[d.len() / 2], d[d.len() * 95 / 100]);
    eprintln!("tissue-to-vessel distance: median {median:.1} µm, 95th percentile {p95:.1} µm");
    assert!((15.0..60.0).contains(&median), "median {median}");
    assert!(p95 < 120.0, "95th percentile {p95}");
}

#[test]
fn core_stays_free_of_vessels() {
    let grid = Grid::from_shape_zyx([40, 60, 60], 10.0);
    let spec = SyntheticSpec {
        core_radius_um: 150.0,
        trees: 6,
        ..tree_spec()
    };
    let net = generate(&grid, &spec, 11);
    check_trees(&net, &grid, &spec);
    let e = grid.extent_um();
    let st = net.stats(e.x * e.y * e.z);
    assert!(st.density_mm_per_mm3 >= spec.density_mm_per_mm3);
    let core = Core::new(e, &spec);
    for s in &net.segments {
        assert!(!core.blocks(net.nodes[s.a], net.nodes[s.b]));
    }
    // The core is really there: without it, vessels cross the centre region.
    let open = generate(&grid, &tree_spec(), 11);
    let crossing = open
        .segments
        .iter()
        .filter(|s| core.blocks(open.nodes[s.a], open.nodes[s.b]))
        .count();
    assert!(crossing > 0);
}

#[test]
fn trees_spread_over_the_four_side_faces() {
    let grid = Grid::from_shape_zyx([30, 50, 50], 10.0);
    let spec = tree_spec();
    let net = generate(&grid, &spec, 5);
    let e = grid.extent_um();
    let faces: HashSet<(bool, bool, bool, bool)> = net.boundary[..4]
        .iter()
        .map(|b| {
            let p = net.nodes[b.node];
            (p.x == 0.0, p.x == e.x, p.y == 0.0, p.y == e.y)
        })
        .collect();
    assert_eq!(faces.len(), 4);
}

#[test]
fn no_room_for_roots_gives_an_empty_network() {
    let grid = Grid::from_shape_zyx([10, 10, 10], 10.0);
    let spec = SyntheticSpec {
        core_radius_um: 1000.0,
        ..tree_spec()
    };
    assert_eq!(generate(&grid, &spec, 1), Network::default());
}
