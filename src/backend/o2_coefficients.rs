//! The O2 problem's coefficients built where the fields are (issue 19 point 2): the
//! respiring-cell coefficient from the tissue state, the statistics mask, the wall
//! coefficients under a step's windows, fixed values at the start of a solve, and the
//! walls that angiogenesis adds. Each
//! is a [`Pointwise`] kernel (`shaders/<name>.wgsl`) whose CPU twin here computes the
//! same f32 update.

use super::pointwise::{bytes, par_map, Head, PointShader, Pointwise};
use bytemuck::{Pod, Zeroable};

/// `shaders/o2_consuming.wgsl`.
pub(crate) const O2_CONSUMING: PointShader = PointShader {
    name: "o2_consuming",
    body: include_str!("../../shaders/o2_consuming.wgsl"),
};
/// `shaders/tissue_mask.wgsl`.
pub(crate) const TISSUE_MASK: PointShader = PointShader {
    name: "tissue_mask",
    body: include_str!("../../shaders/tissue_mask.wgsl"),
};
/// `shaders/o2_vessels.wgsl`.
pub(crate) const O2_VESSELS: PointShader = PointShader {
    name: "o2_vessels",
    body: include_str!("../../shaders/o2_vessels.wgsl"),
};
/// `shaders/o2_vessels_weighted.wgsl`.
pub(crate) const O2_VESSELS_WEIGHTED: PointShader = PointShader {
    name: "o2_vessels_weighted",
    body: include_str!("../../shaders/o2_vessels_weighted.wgsl"),
};
/// `shaders/apply_fixed.wgsl`.
pub(crate) const APPLY_FIXED: PointShader = PointShader {
    name: "apply_fixed",
    body: include_str!("../../shaders/apply_fixed.wgsl"),
};
/// `shaders/wall_supply.wgsl`.
pub(crate) const WALL_SUPPLY: PointShader = PointShader {
    name: "wall_supply",
    body: include_str!("../../shaders/wall_supply.wgsl"),
};
/// `shaders/angiogenesis.wgsl`.
pub(crate) const ANGIOGENESIS: PointShader = PointShader {
    name: "angiogenesis",
    body: include_str!("../../shaders/angiogenesis.wgsl"),
};
/// `shaders/po2_band.wgsl`.
pub(crate) const PO2_BAND: PointShader = PointShader {
    name: "po2_band",
    body: include_str!("../../shaders/po2_band.wgsl"),
};
/// The shaders of this module.
pub(crate) const SHADERS: [PointShader; 8] = [
    O2_CONSUMING,
    TISSUE_MASK,
    PO2_BAND,
    O2_VESSELS,
    O2_VESSELS_WEIGHTED,
    APPLY_FIXED,
    WALL_SUPPLY,
    ANGIOGENESIS,
];

/// Uniforms of a pointwise kernel with up to four f32 parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Pod, Zeroable)]
pub(crate) struct Scalars4 {
    /// The head (voxels; the backend sets the row).
    pub(crate) head: Head,
    /// The kernel's parameters, in the order of its WGSL `U`.
    pub(crate) values: [f32; 4],
}

impl Scalars4 {
    /// `values` (padded with zeros) for `len` voxels.
    pub(crate) fn new(len: usize, values: &[f32]) -> Self {
        let mut v = [0.0; 4];
        v[..values.len()].copy_from_slice(values);
        Scalars4 {
            head: Head::of(len),
            values: v,
        }
    }
}

/// cells = min(n + l, 1)·(1 − φ·h): the respiring cells less the glycolytic switch's
/// share. Inputs n, l, h; output cells.
#[derive(Debug, Clone, Copy)]
pub struct Consuming {
    /// Voxels.
    pub len: usize,
    /// The glycolytic switch φ (0–1).
    pub switch_share: f32,
}

impl Pointwise for Consuming {
    fn shader(&self) -> PointShader {
        O2_CONSUMING
    }
    fn arity(&self) -> (usize, usize) {
        (3, 1)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars4::new(self.len, &[self.switch_share]))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let s = self.switch_share;
        par_map::<3, 1>(inputs, outputs, |_, [n, l, h], [out]| {
            *out = (n + l).min(1.0) * (1.0 - s * h);
        });
    }
}

/// mask = 1 where cells > 0 and the voxel is free, else 0. Inputs cells, fixed; output
/// mask.
#[derive(Debug, Clone, Copy)]
pub struct TissueMask {
    /// Voxels.
    pub len: usize,
}

impl Pointwise for TissueMask {
    fn shader(&self) -> PointShader {
        TISSUE_MASK
    }
    fn arity(&self) -> (usize, usize) {
        (2, 1)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Head::of(self.len))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        par_map::<2, 1>(inputs, outputs, |_, [cells, fixed], [mask]| {
            *mask = if cells > 0.0 && fixed < 0.0 { 1.0 } else { 0.0 };
        });
    }
}

/// mask = 1 where the voxel is in the region (≠ 0) and lo ≤ pO2 < hi, else 0: the
/// masks of the radiotherapy endpoints (`therapy::endpoints`). Inputs region, pO2;
/// output mask. Band edges are f32 and finite (an open end is ±`f32::MAX`).
#[derive(Debug, Clone, Copy)]
pub struct Po2Band {
    /// Voxels.
    pub len: usize,
    /// Lower edge (mmHg), included.
    pub lo: f32,
    /// Upper edge (mmHg), excluded.
    pub hi: f32,
}

impl Pointwise for Po2Band {
    fn shader(&self) -> PointShader {
        PO2_BAND
    }
    fn arity(&self) -> (usize, usize) {
        (2, 1)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars4::new(self.len, &[self.lo, self.hi]))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let (lo, hi) = (self.lo, self.hi);
        par_map::<2, 1>(inputs, outputs, |_, [region, p], [mask]| {
            *mask = if region != 0.0 && p >= lo && p < hi {
                1.0
            } else {
                0.0
            };
        });
    }
}

/// Sv = Sv_vessel·perfusion; Pb = max(Pb_vessel + ΔPb, 0) where Sv_vessel > 0, else
/// Pb_vessel. Inputs vessel Sv, vessel Pb; outputs Sv, Pb.
#[derive(Debug, Clone, Copy)]
pub struct Vessels {
    /// Voxels.
    pub len: usize,
    /// Factor on Sv.
    pub perfusion: f32,
    /// ΔPb (mmHg).
    pub pb_increase: f32,
}

impl Pointwise for Vessels {
    fn shader(&self) -> PointShader {
        O2_VESSELS
    }
    fn arity(&self) -> (usize, usize) {
        (2, 2)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars4::new(
            self.len,
            &[self.perfusion, self.pb_increase],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let (f, dp) = (self.perfusion, self.pb_increase);
        par_map::<2, 2>(inputs, outputs, |_, [s, p], [sv, pb]| {
            *sv = s * f;
            *pb = if s > 0.0 { (p + dp).max(0.0) } else { p };
        });
    }
}

/// [`Vessels`] where each voxel's O2 exchange area is φ times its wall area
/// (`[vessels.wall]`): O2 Sv = Sv_wall·perfusion·φ, the other solutes' Sv =
/// Sv_wall·perfusion, Pb as [`Vessels`]. Inputs wall Sv, vessel Pb, φ; outputs O2 Sv,
/// Pb, solutes' Sv.
#[derive(Debug, Clone, Copy)]
pub struct WeightedVessels(pub Vessels);

impl Pointwise for WeightedVessels {
    fn shader(&self) -> PointShader {
        O2_VESSELS_WEIGHTED
    }
    fn arity(&self) -> (usize, usize) {
        (3, 3)
    }
    fn uniforms(&self) -> Vec<u8> {
        self.0.uniforms()
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let (f, dp) = (self.0.perfusion, self.0.pb_increase);
        par_map::<3, 3>(inputs, outputs, |_, [w, p, phi], [sv, pb, solute]| {
            let s = w * f;
            *sv = s * phi;
            *solute = s;
            *pb = if w > 0.0 { (p + dp).max(0.0) } else { p };
        });
    }
}

/// field = fixed where fixed ≥ 0 (in place). Input fixed; output field.
#[derive(Debug, Clone, Copy)]
pub struct ApplyFixed {
    /// Voxels.
    pub len: usize,
}

impl Pointwise for ApplyFixed {
    fn shader(&self) -> PointShader {
        APPLY_FIXED
    }
    fn arity(&self) -> (usize, usize) {
        (1, 1)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Head::of(self.len))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        par_map::<1, 1>(inputs, outputs, |_, [fixed], [field]| {
            if fixed >= 0.0 {
                *field = fixed;
            }
        });
    }
}

/// Sv·Pb per voxel (its sum over the walls, over Σ Sv, is their mean blood pO2). Inputs
/// Sv, Pb; output Sv·Pb.
#[derive(Debug, Clone, Copy)]
pub struct WallSupply {
    /// Voxels.
    pub len: usize,
}

impl Pointwise for WallSupply {
    fn shader(&self) -> PointShader {
        WALL_SUPPLY
    }
    fn arity(&self) -> (usize, usize) {
        (2, 1)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars4::new(self.len, &[]))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        par_map::<2, 1>(inputs, outputs, |_, [sv, pb], [out]| {
            *out = sv * pb;
        });
    }
}

/// New wall where HIF stays above `threshold` in tissue (region ≠ 0): Sv grows by
/// `grow` up to `cap` (never down) and Pb mixes in `pb_new` by wall area. Inputs h,
/// region; outputs vessel Sv, vessel Pb (in place).
#[derive(Debug, Clone, Copy)]
pub struct Angiogenesis {
    /// Voxels.
    pub len: usize,
    /// HIF level above which walls grow.
    pub threshold: f32,
    /// Sv added over the step (1/µm).
    pub grow: f32,
    /// Largest Sv (1/µm).
    pub cap: f32,
    /// Blood pO2 of the new wall (mmHg).
    pub pb_new: f32,
}

impl Pointwise for Angiogenesis {
    fn shader(&self) -> PointShader {
        ANGIOGENESIS
    }
    fn arity(&self) -> (usize, usize) {
        (2, 2)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars4::new(
            self.len,
            &[self.threshold, self.grow, self.cap, self.pb_new],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        par_map::<2, 2>(inputs, outputs, |_, [h, region], [sv, pb]| {
            if region == 0.0 || h <= k.threshold {
                return;
            }
            let old = *sv;
            let new = (old + k.grow).min(k.cap).max(old);
            if new > old {
                *pb = (*pb * old + k.pb_new * (new - old)) / new;
                *sv = new;
            }
        });
    }
}
