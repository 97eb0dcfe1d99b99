"""How many threads NumPy's BLAS may use, per job (threadpoolctl). OpenBLAS's threads wait for work
by spinning: products of vectors or a few rows gain nothing from a second thread, and beside another
process whose threads spin too, on two cores, they crawl (docs/speed.md has the figures)."""
import contextlib
import functools

from threadpoolctl import ThreadpoolController


@functools.cache
def libraries():
    """threadpoolctl's controllers of the BLAS libraries loaded in this process (NumPy's OpenBLAS)."""
    import numpy  # noqa: F401 (its BLAS must be loaded to be found)
    return ThreadpoolController().select(user_api="blas").lib_controllers


def threads_now():
    """The most threads any BLAS library may use now."""
    return max([lib.get_num_threads() for lib in libraries()], default=1)


def set_threads(n):
    for lib in libraries():
        lib.set_num_threads(n)


@contextlib.contextmanager
def blas_threads(n):
    """Within it, BLAS uses at most n threads (as before, after it)."""
    before = [lib.get_num_threads() for lib in libraries()]
    set_threads(n)
    try:
        yield
    finally:
        for lib, k in zip(libraries(), before):
            lib.set_num_threads(k)


def one_blas_thread(f):
    """f with BLAS limited to one thread: for functions whose products are too small to share (a
    complex-step derivative: 0.5 ms alone, 106 ms with two threads beside another such process)."""
    @functools.wraps(f)
    def limited(*args, **kwargs):
        with blas_threads(1):
            return f(*args, **kwargs)
    return limited
