"""docs/casework.md shows the state table the services enforce: every step, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from jiangqiao.casework.lifecycle import TRANSITIONS
from jiangqiao.demands.choices import DemandStatus

DOC = Path(settings.BASE_DIR) / "docs" / "casework.md"


def documented() -> dict[str, set[tuple[str, str]]]:
    rows: dict[str, set[tuple[str, str]]] = {}
    labels = {s.label for s in DemandStatus}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] not in labels:
            continue
        steps = set()
        for part in cells[1].split(" · "):
            match = re.match(r"(.+) → (\S+)（", part)
            if match:
                steps.add((match.group(1), match.group(2)))
        rows[cells[0]] = steps
    return rows


def test_the_documented_table_is_the_code():
    expected = {
        DemandStatus(state).label: {(s.label, s.to_label) for s in steps}
        for state, steps in TRANSITIONS.items()
    }
    assert documented() == expected
