//! Masked statistics on resident fields (issue 19.3): the CPU backend against a plain
//! f64 loop, the GPU backend against the CPU backend, the median against a sort, and the
//! bytes a call reads back.
//!
//! Tolerances: GPU sums (Σx, Σx², Σexp(−κx)) within 1e-5 relative of the CPU's f64
//! sums (the GPU evaluates terms in f32: x² rounds at 6e-8 and WGSL's exp may be off by
//! 3 + 2|κx| ulp); counts, min, max and medians exactly.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::stats::{median_slices, reduce_slices, Reduce, StatsKernels, CHUNK};
use oxyfield::backend::{Field, FieldStore};

/// A fixed-seed LCG's next value in [0, 1).
fn lcg(state: &mut u64) -> f32 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*state >> 40) as f32 / (1u64 << 24) as f32
}

/// Values in 0–100 with exact ties (every 5th voxel an integer 0–9, 10.0 among them
/// as the threshold below), and a mask with about 60 % ones (also values 2 and −0).
fn random_case(n: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut s = seed;
    let field = (0..n)
        .map(|i| {
            let x = 100.0 * lcg(&mut s);
            if i % 5 == 0 {
                (x / 10.0).floor()
            } else if i % 7 == 0 {
                10.0
            } else {
                x
            }
        })
        .collect();
    let mask = (0..n)
        .map(|i| match (lcg(&mut s) < 0.6, i % 11) {
            (true, 0) => 2.0,
            (true, _) => 1.0,
            (false, 3) => -0.0,
            (false, _) => 0.0,
        })
        .collect();
    (mask, field)
}

const ITEMS: [Reduce; 8] = [
    Reduce::Sum,
    Reduce::SumSq,
    Reduce::SumExpNeg { kappa: 0.05 },
    Reduce::CountBelow { threshold: 10.0 },
    Reduce::CountBelow { threshold: 2.5 },
    Reduce::Min,
    Reduce::Max,
    Reduce::SumExpNeg { kappa: 1.0 },
];

const SIZES: [usize; 2] = [17 * 19 * 23, 64 * 64 * 64];

fn is_sum(r: Reduce) -> bool {
    matches!(r, Reduce::Sum | Reduce::SumSq | Reduce::SumExpNeg { .. })
}

/// The reduction as a plain sequential f64 loop.
fn plain(mask: &[f32], field: &[f32], r: Reduce) -> f64 {
    let vals: Vec<f64> = (0..mask.len())
        .filter(|&i| mask[i] != 0.0)
        .map(|i| field[i] as f64)
        .collect();
    match r {
        Reduce::Sum => vals.iter().sum(),
        Reduce::SumSq => vals.iter().map(|x| x * x).sum(),
        Reduce::SumExpNeg { kappa } => vals.iter().map(|x| (-(kappa as f64) * x).exp()).sum(),
        Reduce::CountBelow { threshold } => {
            vals.iter().filter(|&&x| x < threshold as f64).count() as f64
        }
        Reduce::Min => vals.iter().copied().fold(f64::INFINITY, f64::min),
        Reduce::Max => vals.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }
}

/// The median by a full sort, as `metrics::o2_stats` computes it.
fn sorted_median(mask: &[f32], field: &[f32]) -> f64 {
    let mut v: Vec<f32> = (0..mask.len())
        .filter(|&i| mask[i] != 0.0)
        .map(|i| field[i])
        .collect();
    v.sort_by(f32::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2] as f64,
        n => (v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0,
    }
}

/// Uploads `mask` and `field`; returns their handles.
fn upload(b: &mut impl FieldStore, mask: &[f32], field: &[f32]) -> (Field, Field) {
    let m = b.field_from(mask, "test.mask").expect("upload mask");
    let f = b.field_from(field, "test.field").expect("upload field");
    (m, f)
}

fn reduce_all(b: &mut (impl FieldStore + StatsKernels), mask: &[f32], field: &[f32]) -> Vec<f64> {
    let (m, f) = upload(b, mask, field);
    let items: Vec<(Field, Reduce)> = ITEMS.iter().map(|&r| (f, r)).collect();
    b.reduce_masked(m, &items).expect("reduce")
}

#[test]
fn cpu_reductions_match_a_plain_f64_loop() {
    for (k, n) in SIZES.into_iter().enumerate() {
        let (mask, field) = random_case(n, 7 + k as u64);
        let mut cpu = CpuBackend::new();
        let before = cpu.counters();
        let got = reduce_all(&mut cpu, &mask, &field);
        assert_eq!(cpu.counters().since(&before).dispatches, ITEMS.len() as u64);
        for (r, g) in ITEMS.iter().zip(&got) {
            let want = plain(&mask, &field, *r);
            if is_sum(*r) {
                // Chunked f64 sums against one sequential f64 sum.
                assert!(
                    (g - want).abs() <= 1e-12 * want.abs(),
                    "{r:?} n={n}: {g} vs {want}"
                );
            } else {
                assert_eq!(*g, want, "{r:?} n={n}");
            }
            assert_eq!(
                reduce_slices(&mask, &field, *r),
                *g,
                "{r:?}: the slice function"
            );
            // Bit for bit the documented order: each chunk's terms added in order from
            // +0, the chunks' sums in order from +0.
            if is_sum(*r) {
                let mut total = 0.0f64;
                for (m, f) in mask.chunks(CHUNK).zip(field.chunks(CHUNK)) {
                    let mut sum = 0.0f64;
                    for (&m, &x) in m.iter().zip(f) {
                        if m != 0.0 {
                            sum += plain(&[1.0], &[x], *r);
                        }
                    }
                    total += sum;
                }
                assert_eq!(g.to_bits(), total.to_bits(), "{r:?} n={n}: chunked order");
            }
        }
        // The counts and extremes are what the data says.
        assert_eq!(got[5], 0.0);
        assert!(got[6] > 99.0 && got[6] < 100.0);
        assert!(got[3] > 0.0 && got[4] > 0.0);
    }
}

#[test]
fn gpu_reductions_match_the_cpu() {
    let Some(mut gpu) = common::gpu_backend("gpu_reductions_match_the_cpu") else {
        return;
    };
    for (k, n) in SIZES.into_iter().enumerate() {
        let (mask, field) = random_case(n, 7 + k as u64);
        let want = reduce_all(&mut CpuBackend::new(), &mask, &field);
        let got = reduce_all(&mut gpu, &mask, &field);
        for ((r, g), w) in ITEMS.iter().zip(&got).zip(&want) {
            if is_sum(*r) {
                let rel = (g - w).abs() / w.abs();
                eprintln!("{r:?} n={n}: relative error {rel:.2e}");
                assert!(rel <= 1e-5, "{r:?} n={n}: {g} vs {w} ({rel:.2e})");
            } else {
                assert_eq!(g, w, "{r:?} n={n}");
            }
        }
        // Deterministic: the same call gives the same bits.
        assert_eq!(reduce_all(&mut gpu, &mask, &field), got);
    }
}

#[test]
fn gpu_reductions_of_an_empty_mask_and_of_one_voxel() {
    let Some(mut gpu) = common::gpu_backend("gpu_reductions_of_an_empty_mask_and_of_one_voxel")
    else {
        return;
    };
    let (_, field) = random_case(1000, 3);
    let none = vec![0.0; 1000];
    assert_eq!(reduce_all(&mut gpu, &none, &field), vec![0.0; ITEMS.len()]);
    let mut one = none.clone();
    one[500] = 1.0;
    let want = reduce_all(&mut CpuBackend::new(), &one, &field);
    let got = reduce_all(&mut gpu, &one, &field);
    for ((r, g), w) in ITEMS.iter().zip(&got).zip(&want) {
        assert!((g - w).abs() <= 1e-6 * w.abs(), "{r:?}: {g} vs {w}");
    }
}

/// Median cases: (name, mask, field).
fn median_cases() -> Vec<(String, Vec<f32>, Vec<f32>)> {
    let mut cases = Vec::new();
    for (k, n) in SIZES.into_iter().enumerate() {
        let (mask, field) = random_case(n, 11 + k as u64);
        let count = mask.iter().filter(|&&m| m != 0.0).count();
        // Make one case odd and one even by selecting or dropping one more voxel.
        for parity in [0, 1] {
            let mut m = mask.clone();
            if count % 2 != parity {
                let i = m.iter().position(|&x| x == 0.0).expect("an unmasked voxel");
                m[i] = 1.0;
            }
            cases.push((format!("random n={n} parity {parity}"), m, field.clone()));
        }
        cases.push((format!("all equal n={n}"), mask.clone(), vec![37.25; n]));
        cases.push((format!("empty n={n}"), vec![0.0; n], field.clone()));
    }
    // Signs, zeros of both signs and subnormals: the key order must be total_cmp's.
    let signed: Vec<f32> = (0..999)
        .map(|i| match i % 6 {
            0 => -0.0,
            1 => 0.0,
            2 => -(i as f32) * 0.5,
            3 => f32::from_bits(1 + i as u32),
            _ => i as f32 * 0.25 - 100.0,
        })
        .collect();
    cases.push(("signed odd".into(), vec![1.0; 999], signed.clone()));
    let mut even_mask = vec![1.0; 999];
    even_mask[998] = 0.0;
    cases.push(("signed even".into(), even_mask, signed));
    cases.push(("one voxel".into(), vec![1.0], vec![42.5]));
    cases.push(("two voxels".into(), vec![1.0, 1.0], vec![1.0, 2.0]));
    cases
}

#[test]
fn cpu_median_equals_a_sort() {
    let mut cpu = CpuBackend::new();
    for (name, mask, field) in median_cases() {
        let want = sorted_median(&mask, &field);
        assert_eq!(
            median_slices(&mask, &field).to_bits(),
            want.to_bits(),
            "{name}"
        );
        let (m, f) = upload(&mut cpu, &mask, &field);
        assert_eq!(cpu.median_masked(m, f).expect("median"), want, "{name}");
    }
}

#[test]
fn gpu_median_equals_a_sort() {
    let Some(mut gpu) = common::gpu_backend("gpu_median_equals_a_sort") else {
        return;
    };
    for (name, mask, field) in median_cases() {
        let want = sorted_median(&mask, &field);
        let (m, f) = upload(&mut gpu, &mask, &field);
        let before = gpu.counters();
        let got = gpu.median_masked(m, f).expect("median");
        assert_eq!(got.to_bits(), want.to_bits(), "{name}: {got} vs {want}");
        let c = gpu.counters().since(&before);
        assert_eq!((c.submits, c.bytes_down), (1, 24), "{name}");
        gpu.field_free(m);
        gpu.field_free(f);
    }
}

#[test]
fn gpu_reduce_reads_back_at_most_512_bytes_per_call() {
    let Some(mut gpu) = common::gpu_backend("gpu_reduce_reads_back_at_most_512_bytes_per_call")
    else {
        return;
    };
    let (mask, field) = random_case(64 * 64 * 64, 5);
    let (m, f) = upload(&mut gpu, &mask, &field);
    let items: Vec<(Field, Reduce)> = ITEMS.iter().map(|&r| (f, r)).collect();
    for call in 0..2 {
        let before = gpu.counters();
        gpu.reduce_masked(m, &items).expect("reduce");
        let c = gpu.counters().since(&before);
        assert!(
            c.bytes_down <= 512,
            "call {call}: {} bytes down",
            c.bytes_down
        );
        assert_eq!(c.submits, 1, "call {call}: one submit");
        assert_eq!(c.dispatches, ITEMS.len() as u64 + 1, "call {call}");
        // The item parameters are written once, not per call.
        let up = if call == 0 { 8 * 32 } else { 0 };
        assert_eq!(c.bytes_up, up, "call {call}: bytes up");
    }
}
