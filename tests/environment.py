"""Environment of every test run, loaded as a pytest plugin (``-p tests.environment``).

Set before anything imports Keras, and inherited by the notebook kernels that nbval
starts:

* ``SYNQUANT_MNIST``: the offline copy in ``../shared/data`` when not set already
  (``.ci/run`` sets it); nothing downloads in tests.
* ``KERAS_HOME``: a throwaway folder, so Keras writes nothing into the user's home.
* ``SYNQUANT_CACHE``: the checkout's cache of slow results (``.cache/results``, filled
  by the book build), also for the copies of the repository that the printed commands
  run in: the same code and inputs find the same entries (synquant.book.cache).
"""

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="synquant-keras-home-")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
os.environ.setdefault("SYNQUANT_CACHE", str(ROOT / ".cache" / "results"))
if not os.environ.get("SYNQUANT_MNIST") and SHARED_MNIST.is_file():
    os.environ["SYNQUANT_MNIST"] = str(SHARED_MNIST)
