"""``assert_ledger_matches_levels``: the stock ledger must sum to today's levels (import it in any test)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from saas.inventory.models import StockLevel, StockMovement


def assert_ledger_matches_levels(session) -> None:
    """For every (sku, warehouse): Σ delta_on_hand == on_hand, Σ delta_reserved == reserved, and
    0 <= reserved <= on_hand. Reads fresh rows (not the session's cached objects)."""
    sums: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for movement in session.execute(select(StockMovement.sku_id, StockMovement.warehouse_id,
                                           StockMovement.delta_on_hand, StockMovement.delta_reserved)):
        pair = sums[(movement.sku_id, movement.warehouse_id)]
        pair[0] += movement.delta_on_hand
        pair[1] += movement.delta_reserved
    levels = {(r.sku_id, r.warehouse_id): (r.on_hand, r.reserved) for r in session.execute(
        select(StockLevel.sku_id, StockLevel.warehouse_id, StockLevel.on_hand, StockLevel.reserved))}
    for key, (on_hand, reserved) in levels.items():
        assert 0 <= reserved <= on_hand, f"{key}: reserved {reserved}, on hand {on_hand}"
        assert tuple(sums.get(key, (0, 0))) == (on_hand, reserved), f"{key}: ledger {sums.get(key)} vs level {(on_hand, reserved)}"
    assert set(sums) <= set(levels), f"ledger rows without a stock level: {set(sums) - set(levels)}"
