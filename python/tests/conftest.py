"""Shared helpers: the captures of ../../tests/vectors and their reference traces."""

from __future__ import annotations

import json
import pathlib

import pytest

VECTORS = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors"


def captures() -> list[pathlib.Path]:
    """Every capture with its reference trace (sioscgi 5.0.0's, recorded)."""
    return sorted(p for p in VECTORS.glob("*/*.scgi") if p.with_suffix(".trace.jsonl").exists())


def reference_trace(path: pathlib.Path) -> list[dict]:
    return [json.loads(line) for line in path.with_suffix(".trace.jsonl").read_text().splitlines()]


@pytest.fixture(params=captures(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def capture(request: pytest.FixtureRequest) -> pathlib.Path:
    return request.param
