"""The harnesses start Runpad's processes from the repository root, wherever they live."""

import pytest

from tests.support import api_process, scheduler_process, worker_process


@pytest.mark.parametrize("harness", [api_process, scheduler_process, worker_process])
def test_each_harness_starts_its_process_in_the_repository_root(harness):
    assert (harness.ROOT / "workers" / "celery_app.py").is_file() and (harness.ROOT / "app" / "app.py").is_file()
