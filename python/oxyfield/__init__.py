"""oxyfield from Python: oxygen and ROS fields in tumour tissue, numpy in and out.

    >>> import oxyfield
    >>> sc = oxyfield.Scenario.default({"grid.shape_zyx": [16, 32, 32]})
    >>> run = sc.run(backend="cpu")          # steady state; the GIL is released
    >>> run["o2"].shape, run["o2"].dtype     # float32, z y x, as o2.npy
    ((16, 32, 32), dtype('float32'))
    >>> run.summary["o2"]["hypoxic_fraction"]["lt_2.5"]     # doctest: +SKIP
    >>> run.figure("o2")                     # shown by Jupyter (PNG)  # doctest: +SKIP

Runs write the folder ``oxyfield run --out`` writes (a temporary one unless ``out`` is
given), and :class:`Run` reads it back; :func:`load_run` and :func:`load_batch` open
folders the command line wrote. Errors are :class:`OxyfieldError` (a ``ValueError``)
with the command line's message; Ctrl-C stops a run cleanly and raises
``KeyboardInterrupt``.
"""

from ._native import OxyfieldError, __version__
from .figure import Figure
from .results import Batch, Field, Run, load_batch, load_run
from .scenario import Scenario

__all__ = [
    "Batch",
    "Field",
    "Figure",
    "OxyfieldError",
    "Run",
    "Scenario",
    "__version__",
    "load_batch",
    "load_run",
]
