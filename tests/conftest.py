from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# The first example of a test may load OpenCC dictionaries; a wall-clock deadline
# would make that flaky on a slow machine. Speed is measured by benchmarks, not tests.
settings.register_profile("toolkit", deadline=None)
settings.load_profile("toolkit")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
TRAD = SEEDS / "000_79e19496e3b9640c.txt"
SIMP = SEEDS / "004_14352a4bf9531335.txt"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite reports/ from the seeds")


@pytest.fixture(scope="session")
def trad_text() -> str:
    return TRAD.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def simp_text() -> str:
    return SIMP.read_text(encoding="utf-8")
