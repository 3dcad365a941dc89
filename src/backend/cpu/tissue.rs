//! CPU twin of `shaders/tissue.wgsl`: the tissue-state kernels, one voxel at a time
//! through [`irradiate_voxel`] and [`step_voxel`], parallel over z-planes.

use super::CpuBackend;
use crate::backend::tissue::{
    irradiate_voxel, kill_voxel, step_voxel, TissueFields, TissueUniforms,
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
    /// Replaces (n, d, l) by `f(idx, n, d, l)` in every region voxel.
    fn update(&mut self, f: impl Fn(usize, f32, f32, f32) -> (f32, f32, f32) + Sync) {
        let plane = self.plane.max(1);
        let region = &self.region;
        let s = &mut self.state;
        s.viable
            .par_chunks_mut(plane)
            .zip(s.dead.par_chunks_mut(plane))
            .zip(s.doomed.par_chunks_mut(plane))
            .enumerate()
            .for_each(|(kz, ((n, d), l))| {
                for o in 0..n.len() {
                    let idx = kz * plane + o;
                    if region[idx] != 0 {
                        (n[o], d[o], l[o]) = f(idx, n[o], d[o], l[o]);
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
        self.tissue_state(po2.len()).update(|idx, n, d, l| {
            let (n, l) = irradiate_voxel(u, n, l, po2[idx], map.map_or(1.0, |m| m[idx]));
            (n, d, l)
        });
        Ok(())
    }

    fn tissue_kill(&mut self, log_kill: &[f32]) -> Result<()> {
        self.tissue_state(log_kill.len()).update(|idx, n, d, l| {
            let (n, l) = kill_voxel(n, l, log_kill[idx]);
            (n, d, l)
        });
        Ok(())
    }

    fn tissue_step(&mut self, u: &TissueUniforms, po2: &[f32]) -> Result<()> {
        self.tissue_state(po2.len())
            .update(|idx, n, d, l| step_voxel(u, n, d, l, po2[idx]));
        Ok(())
    }

    fn tissue_read(&mut self) -> Result<TissueFields> {
        Ok(self.tissue.as_ref().expect(NOT_LOADED).state.clone())
    }
}
