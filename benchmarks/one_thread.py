"""Imported first by a benchmark: one BLAS/OpenMP thread, set before NumPy loads.

On a shared 2-core machine a second BLAS thread waits for a busy core at every product, so single
timings jump by tens of milliseconds; with one thread the benchmarks measure the code. A value the
caller already set in the environment is kept.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
