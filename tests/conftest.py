"""Shared fixtures: the repository root and the embedded FSDD subset."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def fsdd_subset() -> Path:
    return ROOT / "local" / "fsdd_subset" / "recordings"
