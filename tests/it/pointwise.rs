//! The pointwise kernels of the resident state (coefficient builders): each GPU kernel
//! against its CPU twin on the same random fields, and each CPU twin against the host
//! formula it replaces.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::o2_coefficients::{ApplyFixed, Consuming, TissueMask, Vessels};
use oxyfield::backend::pointwise::Pointwise;

use crate::common::{random, run_pointwise as run};

/// A kernel with its inputs and initial outputs.
type Case = (Box<dyn Pointwise>, Vec<Vec<f32>>, Vec<Vec<f32>>);

/// The kernels with their inputs and initial outputs, on `n` voxels.
fn cases(n: usize) -> Vec<Case> {
    let frac = |seed| random(n, seed, 0.0, 1.0);
    let fixed: Vec<f32> = random(n, 9, -1.0, 1.0)
        .iter()
        .map(|&v| if v < 0.5 { -1.0 } else { 40.0 * v })
        .collect();
    vec![
        (
            Box::new(Consuming {
                len: n,
                switch_share: 0.4,
            }),
            vec![frac(1), frac(2), frac(3)],
            vec![vec![0.0; n]],
        ),
        (
            Box::new(TissueMask { len: n }),
            vec![frac(4), fixed.clone()],
            vec![vec![0.5; n]],
        ),
        (
            Box::new(Vessels {
                len: n,
                perfusion: 1.5,
                pb_increase: -20.0,
            }),
            vec![
                random(n, 5, 0.0, 0.02)
                    .iter()
                    .map(|&v| if v < 0.01 { 0.0 } else { v })
                    .collect(),
                random(n, 6, 0.0, 60.0),
            ],
            vec![vec![0.0; n], vec![0.0; n]],
        ),
        (
            Box::new(ApplyFixed { len: n }),
            vec![fixed],
            vec![random(n, 7, 0.0, 100.0)],
        ),
    ]
}

#[test]
fn cpu_twins_compute_the_host_formulas() {
    let n = 1000;
    let mut cpu = CpuBackend::new();
    for (kernel, ins, outs) in cases(n) {
        let got = run(&mut cpu, kernel.as_ref(), &ins, &outs);
        for i in 0..n {
            let want: Vec<f32> = match kernel.shader().name {
                "o2_consuming" => vec![(ins[0][i] + ins[1][i]).min(1.0) * (1.0 - 0.4 * ins[2][i])],
                "tissue_mask" => vec![f32::from(u8::from(ins[0][i] > 0.0 && ins[1][i] < 0.0))],
                "o2_vessels" => {
                    let s = ins[0][i];
                    vec![
                        s * 1.5,
                        if s > 0.0 {
                            (ins[1][i] - 20.0).max(0.0)
                        } else {
                            ins[1][i]
                        },
                    ]
                }
                "apply_fixed" => vec![if ins[0][i] >= 0.0 {
                    ins[0][i]
                } else {
                    outs[0][i]
                }],
                other => panic!("no host formula for {other}"),
            };
            for (k, w) in want.iter().enumerate() {
                assert_eq!(got[k][i], *w, "{} voxel {i}", kernel.shader().name);
            }
        }
    }
}

#[test]
fn gpu_kernels_match_their_cpu_twins() {
    let Some(mut gpu) = common::gpu_backend("gpu_kernels_match_their_cpu_twins") else {
        return;
    };
    // 17·19·23 voxels: not a multiple of the workgroup.
    let n = 17 * 19 * 23;
    let mut cpu = CpuBackend::new();
    for (kernel, ins, outs) in cases(n) {
        let want = run(&mut cpu, kernel.as_ref(), &ins, &outs);
        let got = run(&mut gpu, kernel.as_ref(), &ins, &outs);
        // Single products and sums: equal up to one rounding (FMA contraction).
        for (w, g) in want.iter().zip(&got) {
            let (max, _) = common::diff(w, g);
            assert!(
                max <= 1e-6 * w.iter().fold(1.0f32, |m, v| m.max(v.abs())) as f64,
                "{}: max difference {max}",
                kernel.shader().name
            );
        }
    }
}
