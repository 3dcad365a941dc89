//! Vessel sources given as voxel maps: a synthetic scenario's Sv, Pb and viable
//! fraction, written as .npy and read back through `[vessels.npy]` and
//! `tissue.viable_fraction_npy`, give the same problem and the same field.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::npy::encode_f32;

const SYNTHETIC: &str = r#"
seed = 9
[grid]
shape_zyx = [16, 24, 20]
spacing_um = 10.0
[vessels.synthetic]
density_mm_per_mm3 = 200.0
radius_um = [4.0, 12.0]
"#;

#[test]
fn npy_maps_reproduce_the_synthetic_problem_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let sc = common::scenario(SYNTHETIC, dir.path());
    let (a, field, _) = common::solve(&sc, &mut CpuBackend::new());
    let p = &a.problem;
    // Wide vessels have lumen voxels, so the viable-fraction map matters.
    assert!(p.viable.contains(&0.0));
    let shape = p.grid.shape_zyx();
    for (name, data) in [("sv.npy", &p.sv), ("pb.npy", &p.pb), ("n.npy", &p.viable)] {
        std::fs::write(dir.path().join(name), encode_f32(data, &shape)).unwrap();
    }
    let from_maps = format!(
        "seed = 9\n[grid]\nshape_zyx = [{}, {}, {}]\nspacing_um = 10.0\n\
         [tissue]\nviable_fraction_npy = \"n.npy\"\n\
         [vessels.npy]\nsv = \"sv.npy\"\npb = \"pb.npy\"\n",
        shape[0], shape[1], shape[2]
    );
    let sc2 = common::scenario(&from_maps, dir.path());
    let (b, field2, _) = common::solve(&sc2, &mut CpuBackend::new());
    assert_eq!(b.vessel_source, "npy");
    assert_eq!(b.problem.sv, p.sv);
    assert_eq!(b.problem.pb, p.pb);
    assert_eq!(b.problem.viable, p.viable);
    assert_eq!(field2, field);
}

#[test]
fn negative_sv_is_rejected_with_file_and_index() {
    let dir = tempfile::tempdir().unwrap();
    let mut sv = vec![0.0f32; 2 * 3 * 4];
    sv[(4 * 3) + (2 * 4) + 3] = -0.5; // [z=1, y=2, x=3] of [2, 3, 4]
    std::fs::write(dir.path().join("sv.npy"), encode_f32(&sv, &[2, 3, 4])).unwrap();
    std::fs::write(
        dir.path().join("pb.npy"),
        encode_f32(&[40.0; 24], &[2, 3, 4]),
    )
    .unwrap();
    let toml = "[grid]\nshape_zyx = [2, 3, 4]\nspacing_um = 10.0\n[vessels.npy]\nsv = \"sv.npy\"\npb = \"pb.npy\"\n";
    let sc = common::scenario(toml, dir.path());
    let err = oxyfield::assemble::assemble(&sc).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let msg = err.to_string();
    assert!(
        msg.contains("sv.npy") && msg.contains("[1, 2, 3]") && msg.contains("-0.5"),
        "{msg}"
    );
}
