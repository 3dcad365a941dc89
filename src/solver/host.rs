//! A problem held as host arrays (a steady run's O2 problem, the steady R problem, the
//! tissue side of the blood coupling) solved as resident fields: its coefficients go up
//! once, the coarse levels are made on the backend (`mg_coarsen`, not the host
//! hierarchy), the field stays there between solves and comes back once per solve.
//! The fields are freed on every path, errors included, since `batch` and `bench` reuse
//! a backend.

use super::{solve_fields, SolveOptions, SolveReport};
use crate::backend::{Field, FieldProblem, O2Backend};
use crate::problem::O2Problem;
use crate::{Error, Result};

/// A host problem's fields on the backend, with its solution field.
pub(crate) struct Uploaded {
    problem: FieldProblem,
    solution: Field,
}

impl Uploaded {
    /// Uploads `problem`'s coefficients and `start` (which must hold the fixed values:
    /// [`O2Problem::apply_fixed`]). On an error nothing stays allocated.
    pub(crate) fn new(
        backend: &mut dyn O2Backend,
        problem: &O2Problem,
        start: &[f32],
    ) -> Result<Self> {
        let fields = backend.fields_from(&[
            (&problem.sv, "steady.sv"),
            (&problem.pb, "steady.pb"),
            (&problem.viable, "steady.viable"),
            (&problem.fixed, "steady.fixed"),
            (start, "steady.solution"),
        ])?;
        Ok(Uploaded {
            problem: FieldProblem {
                grid: problem.grid,
                params: problem.params,
                faces: problem.faces,
                sv: fields[0],
                pb: fields[1],
                viable: fields[2],
                fixed: fields[3],
            },
            solution: fields[4],
        })
    }

    /// The wall pO2 field Pb (the blood coupling rewrites it on the backend).
    pub(crate) fn pb(&self) -> Field {
        self.problem.pb
    }

    /// The solution field.
    pub(crate) fn solution(&self) -> Field {
        self.solution
    }

    /// Solves in place from the field held (warm); the field stays on the backend.
    /// `host` is the problem uploaded, to name a non-finite coefficient.
    pub(crate) fn solve_in_place(
        &self,
        backend: &mut dyn O2Backend,
        host: &O2Problem,
        opts: &SolveOptions,
    ) -> Result<SolveReport> {
        match solve_fields(backend, &self.problem, self.solution, opts) {
            Ok(r) => Ok(r),
            Err(Error::Numerical(m)) if !m.contains("is not finite at voxel") => {
                // The field stayed finite: name a non-finite coefficient if there is one.
                Err(Error::Numerical(match host.non_finite_coefficient() {
                    Some(at) => format!("{m}: {at}"),
                    None => m,
                }))
            }
            Err(e) => Err(e),
        }
    }

    /// Reads the solution back, refusing a non-finite value: `name` and `when` say
    /// which field and at which point, for the message.
    pub(crate) fn read(
        &self,
        backend: &mut dyn O2Backend,
        host: &O2Problem,
        name: &str,
        when: &str,
    ) -> Result<Vec<f32>> {
        let field = backend.field_read(self.solution)?;
        super::refuse_non_finite(&field, &host.grid, name, when)?;
        Ok(field)
    }

    /// [`Uploaded::solve_in_place`], then [`Uploaded::read`].
    pub(crate) fn solve(
        &self,
        backend: &mut dyn O2Backend,
        host: &O2Problem,
        name: &str,
        when: &str,
        opts: &SolveOptions,
    ) -> Result<(Vec<f32>, SolveReport)> {
        let report = self.solve_in_place(backend, host, opts)?;
        Ok((self.read(backend, host, name, when)?, report))
    }

    /// Frees the fields.
    pub(crate) fn free(self, backend: &mut dyn O2Backend) {
        for f in self.problem.fields() {
            backend.field_free(f);
        }
        backend.field_free(self.solution);
    }
}

/// Solves `problem` once from `start` as resident fields ([`Uploaded`]) and frees them:
/// the field read back and the report.
pub(crate) fn solve_host(
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    start: &[f32],
    name: &str,
    when: &str,
    opts: &SolveOptions,
) -> Result<(Vec<f32>, SolveReport)> {
    let up = Uploaded::new(backend, problem, start)?;
    let out = up.solve(backend, problem, name, when, opts);
    up.free(backend);
    out
}
