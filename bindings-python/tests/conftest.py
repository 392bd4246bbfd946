import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _repo_root() -> None:
    # example farms are read by paths relative to the repository root
    os.chdir(ROOT)
