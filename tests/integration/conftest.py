import pytest
from worker_helpers import kill_leftover_workers


@pytest.fixture(autouse=True)
def _stop_workers_left_running():
    """A test that fails while waiting must not leave its worker running into the next one."""
    yield
    kill_leftover_workers()
