"""The bundled dataset is exactly what its generator writes, every time."""

from simulator.dataset import write
from tests.helpers import DATASET


def test_generator_reproduces_the_bundled_dataset(tmp_path):
    written = write(tmp_path)
    assert written
    for path in written:
        bundled = DATASET / path.relative_to(tmp_path)
        assert path.read_bytes() == bundled.read_bytes(), f"{bundled} differs: run `make dataset`"
