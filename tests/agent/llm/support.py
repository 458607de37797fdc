"""Constants shared by the LLM agent tests."""

from __future__ import annotations

import datetime as dt

AS_OF = dt.date(2025, 6, 1)
ZERO_EMISSION = "tokyo-zero-emission-energy-saving"
GRANT_ARGS = {"programme_id": ZERO_EMISSION, "category": "1", "eligible_cost_yen": 80_000_000}
