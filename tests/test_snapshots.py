"""SVG snapshots of the main tabs (layout smoke tests; behaviour is asserted in test_ui.py).

Baselines are rendered by Textual 8.2.8 (pinned in pyproject.toml). After a deliberate visual
change: `pytest tests/test_snapshots.py --snapshot-update`, then review the SVGs.
"""

from __future__ import annotations

import pytest

from ui_support import sample_app


async def ticked(pilot) -> None:  # type: ignore[no-untyped-def]
    pilot.app.tick()
    await pilot.pause()


@pytest.mark.parametrize(
    "keys, size",
    [
        ((), (120, 40)),  # Overview
        ((), (80, 24)),  # Overview, the classic terminal: tables stacked
        (("2",), (80, 24)),  # Bounces, small terminal
        (("4",), (160, 50)),  # Deliveries, large terminal
        (("5",), (120, 40)),  # CloudTrail
        (("7",), (120, 30)),  # Events
    ],
    ids=["overview-120x40", "overview-80x24", "bounces-80x24", "deliveries-160x50", "cloudtrail-120x40", "events-120x30"],
)
def test_tab_snapshot(snap_compare, keys, size):
    assert snap_compare(sample_app(), press=keys, terminal_size=size, run_before=ticked)
