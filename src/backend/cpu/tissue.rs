//! CPU twin of `shaders/tissue.wgsl`: the tissue-state kernels, one voxel at a time
//! through [`irradiate_voxel`] and [`step_voxel`], parallel over z-planes.

use super::CpuBackend;
use crate::backend::tissue::{
    irradiate_voxel, kill_voxel, step_voxel, TissueFields, TissueUniforms, Voxel,
};
use crate::backend::TissueKernels;
use crate::grid::Grid;
use crate::Result;
use rayon::prelude::*;

const NOT_LOADED: &str =
    "CpuBackend: tissue kernels used before tissue_load() (a programming error)";

/// The tissue state held by the CPU backend.
#[derive(Debug, Clone, Default)]
pub struct CpuTissue {
    /// Voxels per z-plane.
    plane: usize,
    /// 1 where the state evolves.
    region: Vec<u32>,
    /// n, d and l.
    state: TissueFields,
}

impl CpuTissue {
    /// Replaces each region voxel's state v by `f(idx, v)`.
    fn update(&mut self, f: impl Fn(usize, Voxel) -> Voxel + Sync) {
        let plane = self.plane.max(1);
        let region = &self.region;
        let s = &mut self.state;
        s.viable
            .par_chunks_mut(plane)
            .zip(s.dead.par_chunks_mut(plane))
            .zip(s.doomed.par_chunks_mut(plane))
            .zip(s.hif.par_chunks_mut(plane))
            .enumerate()
            .for_each(|(kz, (((n, d), l), h))| {
                for o in 0..n.len() {
                    let idx = kz * plane + o;
                    if region[idx] != 0 {
                        let v = f(
                            idx,
                            Voxel {
                                n: n[o],
                                d: d[o],
                                l: l[o],
                                h: h[o],
                            },
                        );
                        (n[o], d[o], l[o], h[o]) = (v.n, v.d, v.l, v.h);
                    }
                }
            });
    }
}

impl CpuBackend {
    fn tissue_state(&mut self, po2_len: usize) -> &mut CpuTissue {
        let t = self.tissue.as_mut().expect(NOT_LOADED);
        assert_eq!(po2_len, t.state.len(), "field length");
        t
    }
}

impl TissueKernels for CpuBackend {
    fn tissue_load(&mut self, grid: &Grid, region: &[u32], state: &TissueFields) -> Result<()> {
        let len = grid.len();
        state.assert_len(len, region);
        self.tissue = Some(CpuTissue {
            plane: grid.nx * grid.ny,
            region: region.to_vec(),
            state: state.clone(),
        });
        Ok(())
    }

    fn tissue_irradiate(
        &mut self,
        u: &TissueUniforms,
        po2: &[f32],
        dose_map: Option<&[f32]>,
    ) -> Result<()> {
        let map = match (u.has_map(), dose_map) {
            (true, Some(m)) => Some(m),
            (true, None) => panic!("tissue_irradiate: the uniforms ask for a dose map"),
            (false, _) => None,
        };
        self.tissue_state(po2.len()).update(|idx, v| {
            let (n, l) = irradiate_voxel(u, v.n, v.l, po2[idx], map.map_or(1.0, |m| m[idx]));
            Voxel { n, l, ..v }
        });
        Ok(())
    }

    fn tissue_kill(&mut self, log_kill: &[f32]) -> Result<()> {
        self.tissue_state(log_kill.len()).update(|idx, v| {
            let (n, l) = kill_voxel(v.n, v.l, log_kill[idx]);
            Voxel { n, l, ..v }
        });
        Ok(())
    }

    fn tissue_step(&mut self, u: &TissueUniforms, po2: &[f32]) -> Result<()> {
        self.tissue_state(po2.len())
            .update(|idx, v| step_voxel(u, v, po2[idx]));
        Ok(())
    }

    fn tissue_read(&mut self) -> Result<TissueFields> {
        Ok(self.tissue.as_ref().expect(NOT_LOADED).state.clone())
    }
}
