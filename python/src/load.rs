//! Reading what a run wrote: a field (`NAME.npy` with its `NAME.json` sidecar) as a
//! numpy float32 array in z, y, x order, and a vessel network file as arrays. The same
//! readers `oxyfield render` uses.

use crate::errors::to_py;
use numpy::ndarray::{Array1, Array2, Array3};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

/// Reads `path` (a `.npy` written by oxyfield, with its `.json` sidecar). Returns
/// `(data, spacing_um, units, description)`; `data` is float32 of shape (nz, ny, nx).
#[pyfunction]
pub fn load_field(
    py: Python<'_>,
    path: PathBuf,
) -> PyResult<(Bound<'_, PyAny>, f64, String, String)> {
    let f = py
        .detach(|| oxyfield::rundir::load_field(&path))
        .map_err(to_py)?;
    let shape = f.grid.shape_zyx();
    let data = Array3::from_shape_vec((shape[0], shape[1], shape[2]), f.data)
        .expect("the reader checked the length against the shape");
    Ok((
        data.into_pyarray(py).into_any(),
        f.grid.spacing_um,
        f.units,
        f.description,
    ))
}

/// Reads a vessel network file (`.vtp`, `.dat`, `.csv`; by its extension) into arrays:
/// `nodes_um` (N × 3, x y z), `segments` (M × 2 node indices), `radius_um`,
/// `blood_po2_mmhg`, `flow_nl_per_min` (NaN where unknown), `hematocrit` (NaN where
/// unknown) and `kind` (M each).
#[pyfunction]
pub fn read_network(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let opts = oxyfield::vessels::formats::ReadOptions::default();
    let net = py
        .detach(|| oxyfield::vessels::formats::read(&path, None, &opts))
        .map_err(to_py)?;
    let nodes = Array2::from_shape_fn((net.nodes.len(), 3), |(i, c)| net.nodes[i][c]);
    let segs = &net.segments;
    let ends = Array2::from_shape_fn((segs.len(), 2), |(s, e)| {
        (if e == 0 { segs[s].a } else { segs[s].b }) as i64
    });
    let column = |f: &dyn Fn(&oxyfield::vessels::Segment) -> f64| {
        Array1::from_iter(segs.iter().map(f)).into_pyarray(py)
    };
    let d = PyDict::new(py);
    d.set_item("nodes_um", nodes.into_pyarray(py))?;
    d.set_item("segments", ends.into_pyarray(py))?;
    d.set_item("radius_um", column(&|s| s.radius_um))?;
    d.set_item("blood_po2_mmhg", column(&|s| s.blood_po2_mmhg))?;
    d.set_item(
        "flow_nl_per_min",
        column(&|s| s.flow_nl_per_min.unwrap_or(f64::NAN)),
    )?;
    d.set_item("hematocrit", column(&|s| s.hematocrit.unwrap_or(f64::NAN)))?;
    d.set_item(
        "kind",
        Array1::from_iter(segs.iter().map(|s| i64::from(s.kind))).into_pyarray(py),
    )?;
    Ok(d)
}
