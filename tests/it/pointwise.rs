//! The pointwise kernels of the resident state (coefficient builders): each GPU kernel
//! against its CPU twin on the same random fields, and each CPU twin against the host
//! formula it replaces.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::o2_coefficients::{
    Angiogenesis, ApplyFixed, Consuming, Po2Band, TissueMask, Vessels, WallSupply, WeightedVessels,
};
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
            Box::new(Po2Band {
                len: n,
                lo: 2.5,
                hi: 10.0,
            }),
            // pO2 0–20 mmHg with the edges themselves among the values.
            vec![
                frac(15)
                    .iter()
                    .map(|&v| if v < 0.3 { 0.0 } else { 1.0 })
                    .collect(),
                random(n, 16, 0.0, 20.0)
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| match i % 7 {
                        0 => 2.5,
                        1 => 10.0,
                        _ => v,
                    })
                    .collect(),
            ],
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
            Box::new(WeightedVessels(Vessels {
                len: n,
                perfusion: 0.75,
                pb_increase: 12.0,
            })),
            vec![
                random(n, 17, 0.0, 0.02)
                    .iter()
                    .map(|&v| if v < 0.01 { 0.0 } else { v })
                    .collect(),
                random(n, 18, 0.0, 60.0),
                random(n, 19, 0.2, 4.0),
            ],
            vec![vec![0.0; n], vec![0.0; n], vec![0.0; n]],
        ),
        (
            Box::new(ApplyFixed { len: n }),
            vec![fixed],
            vec![random(n, 7, 0.0, 100.0)],
        ),
        (
            Box::new(WallSupply { len: n }),
            vec![random(n, 8, 0.0, 0.02), random(n, 10, 0.0, 60.0)],
            vec![vec![0.0; n]],
        ),
        (
            Box::new(Angiogenesis {
                len: n,
                threshold: 0.5,
                grow: 0.003,
                cap: 0.02,
                pb_new: 35.0,
            }),
            vec![
                frac(11),
                frac(12)
                    .iter()
                    .map(|&v| if v < 0.2 { 0.0 } else { 1.0 })
                    .collect(),
            ],
            vec![random(n, 13, 0.0, 0.025), random(n, 14, 0.0, 60.0)],
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
                "po2_band" => {
                    let p = ins[1][i];
                    vec![f32::from(u8::from(
                        ins[0][i] != 0.0 && (2.5..10.0).contains(&p),
                    ))]
                }
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
                "o2_vessels_weighted" => {
                    let (w, phi) = (ins[0][i], ins[2][i]);
                    vec![
                        w * 0.75 * phi,
                        if w > 0.0 { ins[1][i] + 12.0 } else { ins[1][i] },
                        w * 0.75,
                    ]
                }
                "apply_fixed" => vec![if ins[0][i] >= 0.0 {
                    ins[0][i]
                } else {
                    outs[0][i]
                }],
                "wall_supply" => vec![ins[0][i] * ins[1][i]],
                "angiogenesis" => {
                    let (old, pb) = (outs[0][i], outs[1][i]);
                    let new = (old + 0.003f32).min(0.02).max(old);
                    if ins[1][i] == 0.0 || ins[0][i] <= 0.5 || new <= old {
                        vec![old, pb]
                    } else {
                        vec![new, (pb * old + 35.0 * (new - old)) / new]
                    }
                }
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

/// The gather of the blood coupling (`csr_mean`): the GPU kernel against its CPU twin on
/// a random sparse matrix (rows of 0–12 entries, some without weight), and the twin
/// against the f64 weighted mean.
#[test]
fn csr_mean_matches_its_twin_and_the_weighted_mean() {
    use oxyfield::backend::gather::Csr;
    let n = 17 * 19 * 23;
    let rows = 5000;
    let counts = random(rows, 11, 0.0, 13.0);
    let mut m = Csr {
        row_start: vec![0],
        ..Csr::default()
    };
    let cols = random(rows * 13, 12, 0.0, n as f32);
    let weights = random(rows * 13, 13, 0.0, 50.0);
    for (r, &count) in counts.iter().enumerate() {
        for k in 0..count as usize {
            let e = r * 13 + k;
            m.col.push((cols[e] as usize).min(n - 1) as u32);
            // Every seventh row has zero weights: its mean is 0.
            m.weight.push(if r % 7 == 0 { 0.0 } else { weights[e] });
        }
        m.row_start.push(m.col.len() as u32);
    }
    let x = random(n, 14, 0.0, 100.0);
    let run = |b: &mut dyn oxyfield::backend::O2Backend| -> Vec<f32> {
        let up = m.upload(b).unwrap();
        let xf = b.field_from(&x, "x").unwrap();
        let out = b.field_alloc(rows, "out").unwrap();
        up.mean(b, xf, out).unwrap();
        let got = b.field_read(out).unwrap();
        up.free(b);
        b.field_free(xf);
        b.field_free(out);
        got
    };
    let mut cpu = CpuBackend::new();
    let want = run(&mut cpu);
    assert_eq!(want, m.mean_of(&x));
    for (r, &got) in want.iter().enumerate() {
        let range = m.row_start[r] as usize..m.row_start[r + 1] as usize;
        let sw: f64 = m.weight[range.clone()].iter().map(|&w| f64::from(w)).sum();
        let s: f64 = range
            .map(|e| f64::from(m.weight[e]) * f64::from(x[m.col[e] as usize]))
            .sum();
        let exact = if sw > 0.0 { s / sw } else { 0.0 };
        // At most 12 f32 products and sums of values ≤ 100.
        assert!(
            (f64::from(got) - exact).abs() <= 1e-4,
            "row {r}: {got} vs {exact}"
        );
    }
    let Some(mut gpu) = common::gpu_backend("csr_mean_matches_its_twin") else {
        return;
    };
    let got = run(&mut gpu);
    let (max, _) = common::diff(&want, &got);
    // The same sums in the same order: equal up to FMA contraction.
    assert!(max <= 1e-4, "GPU vs CPU max difference {max}");
}
