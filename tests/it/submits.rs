//! Issue 19.5 "few submissions": a multigrid V-cycle on the GPU backend is recorded as
//! one batch and submitted once together with its residual check, which reads back 4
//! bytes through a reused staging buffer; batching changes no result. Counts, not times,
//! from the backend's own counters ([`FieldStore::counters`]).

use crate::common;

use oxyfield::assemble::assemble;
use oxyfield::backend::{FieldStore, O2Backend};
use oxyfield::problem::hierarchy;
use oxyfield::solver::{self, Method};

/// 32³ of vascularised tissue at 10 µm (the bench's tissue problem at its smallest
/// size) with one Dirichlet face.
const TISSUE: &str = "seed = 5\n[grid]\nshape_zyx = [32, 32, 32]\nspacing_um = 10.0\n\
     [vessels.synthetic]\ndensity_mm_per_mm3 = 100.0\n[boundary]\nx_min = 50.0\n";

#[test]
fn a_v_cycle_and_its_residual_check_take_at_most_two_submits_and_64_bytes_down() {
    let Some(mut gpu) = common::gpu_backend("submits per V-cycle") else {
        return;
    };
    let sc = common::scenario(TISSUE, std::path::Path::new("."));
    let problem = assemble(&sc).unwrap().problem;
    let opts = sc.solve_options();
    assert_eq!(opts.method, Method::Multigrid);
    solver::load(&mut gpu, &problem, opts.method, &problem.initial_guess()).unwrap();
    let before = gpu.counters();
    let report = solver::solve_steady(&mut gpu, &problem, &opts).unwrap();
    let used = gpu.counters().since(&before);
    assert!(report.converged && report.levels >= 3, "{report:?}");
    let cycles = report.iterations;
    assert!(cycles >= 4, "{cycles} V-cycles: too few to count per cycle");
    let per_cycle = |n: u64| n as f64 / f64::from(cycles);
    eprintln!(
        "{cycles} V-cycles on {} levels: {} submits, {} dispatches, {} bytes down, {} bytes up",
        report.levels, used.submits, used.dispatches, used.bytes_down, used.bytes_up
    );
    // The counts include the first two checks and the reference norm's submit (below).
    assert!(
        per_cycle(used.submits.saturating_sub(3)) <= 2.0,
        "{} submits for {cycles} V-cycles, the first check and the reference norm",
        used.submits
    );
    assert!(
        per_cycle(used.bytes_down) <= 64.0,
        "{} bytes read back for {cycles} V-cycles",
        used.bytes_down
    );
    // Reached: one submit and one 4-byte read per check: the start's (the FMG pass's
    // first restriction), the one after the FMG pass's coarse levels and level-0
    // pre-smoothing (the pass counts as a cycle from there), one per later cycle (its
    // pre-smoothing; the last cycle's check met the tolerance and it was not finished);
    // plus the reference norm taken on the device once per solve (save the field, hold
    // the fixed values, the norm, restore: one submit, one 4-byte read).
    assert_eq!(used.submits, u64::from(cycles) + 2 + 1);
    assert_eq!(used.bytes_down, 4 * (u64::from(cycles) + 3));
    // ω is written once per level in the first cycle; nothing else goes up.
    assert!(used.bytes_up <= 1024 * report.levels as u64, "{used:?}");
}

/// The trait calls of a cycle-like sequence, with a change of ω on a level that the
/// batch has already smoothed (the uniform write must not overtake that work) and more
/// sweeps than one submit holds.
fn sequence(b: &mut dyn O2Backend) {
    b.smooth(0, 2, 1.15).unwrap();
    b.restrict(0).unwrap();
    b.smooth(1, 3, 1.15).unwrap();
    b.restrict(1).unwrap();
    b.smooth(2, 40, 1.6).unwrap();
    b.prolong(1).unwrap();
    b.smooth(1, 3, 1.15).unwrap();
    b.prolong(0).unwrap();
    b.smooth(0, 2, 1.0).unwrap();
    b.smooth(0, 30, 1.3).unwrap();
}

#[test]
fn batching_changes_no_value_and_splits_long_batches() {
    let Some(mut gpu) = common::gpu_backend("batched and unbatched calls") else {
        return;
    };
    let sc = common::scenario(TISSUE, std::path::Path::new("."));
    let problem = assemble(&sc).unwrap().problem;
    let coarse = hierarchy::coarse_levels(&problem);
    let start = problem.initial_guess();
    let mut run = |batched: bool| {
        gpu.load(&problem, &coarse, &start).unwrap();
        // Each load resets ω to 1 on every level, so both runs write the same uniforms.
        let before = gpu.counters();
        if batched {
            gpu.batch_begin();
        }
        sequence(&mut gpu);
        let r2 = gpu.residual_sq_sum().unwrap();
        if batched {
            gpu.batch_end().unwrap();
        }
        let used = gpu.counters().since(&before);
        (gpu.read_o2().unwrap(), r2, used)
    };
    let (plain, r_plain, c_plain) = run(false);
    let (batched, r_batched, c_batched) = run(true);
    eprintln!("unbatched {c_plain:?}\nbatched {c_batched:?}");
    assert!(
        plain
            .iter()
            .zip(&batched)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "batched calls changed the field"
    );
    assert_eq!(r_plain.to_bits(), r_batched.to_bits());
    assert_eq!(c_plain.dispatches, c_batched.dispatches);
    // Unbatched: one submit per call at least (11 calls, 30 level-0 sweeps split in 2).
    assert!(c_plain.submits >= 12, "{c_plain:?}");
    // Batched: about 2 + 3/8 + 40/64 + 3/8 + 32 level-0 sweep-equivalents of work, over
    // two submits of at most 25, and one more for the ω change on level 0 after it
    // was smoothed in this batch.
    assert!(
        (2..=4).contains(&c_batched.submits),
        "{} submits in the batch",
        c_batched.submits
    );
}

/// Pointwise kernels join a batch; the same kernel twice in one batch (different
/// uniforms, the second on the first's output) submits between the two, since each
/// call writes that kernel's uniforms before the next submit: bitwise the unbatched
/// results.
#[test]
fn a_pointwise_kernel_twice_in_a_batch_keeps_each_calls_uniforms() {
    use oxyfield::backend::drug_fields::Decay;
    use oxyfield::backend::pointwise::PointKernels;
    use oxyfield::backend::FieldStore;
    let Some(mut gpu) = common::gpu_backend("a pointwise kernel twice in a batch") else {
        return;
    };
    let n = 5000;
    let values = common::random(n, 41, 0.0, 30.0);
    let decay = |ratio: f32| Decay {
        len: n,
        ratio,
        gain_h: 0.1,
        kill_per_um_h: 0.5,
    };
    let mut run = |batched: bool| {
        let fields: Vec<_> = (0..4)
            .map(|_| gpu.field_from(&values, "decay").unwrap())
            .collect();
        let before = gpu.counters();
        if batched {
            gpu.batch_begin();
        }
        gpu.pointwise(&decay(0.5), &[], &fields).unwrap();
        let first = gpu.counters().since(&before).submits;
        gpu.pointwise(&decay(0.9), &[], &fields).unwrap();
        let second = gpu.counters().since(&before).submits - first;
        if batched {
            gpu.batch_end().unwrap();
        }
        let total = gpu.counters().since(&before).submits;
        let out: Vec<Vec<f32>> = fields.iter().map(|&f| gpu.field_read(f).unwrap()).collect();
        for f in fields {
            gpu.field_free(f);
        }
        (out, [first, second, total])
    };
    let (plain, s_plain) = run(false);
    let (batched, s_batched) = run(true);
    for (k, (p, b)) in plain.iter().zip(&batched).enumerate() {
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(p), bits(b), "field {k}: batched calls changed a value");
    }
    // Both ratios applied: C × 0.5 × 0.9.
    for (i, (&c, &v)) in plain[0].iter().zip(&values).enumerate().step_by(97) {
        assert!(
            (c - v * 0.45).abs() <= 1e-5 * v.max(1.0),
            "voxel {i}: {c} from {v}"
        );
    }
    // Unbatched each call submits; batched, the first is held, the second submits it
    // before writing its uniforms (the guard), and the batch's end submits the second.
    assert_eq!(s_plain, [1, 1, 2]);
    assert_eq!(s_batched, [0, 1, 2]);
}
