"""The web channel: a FastAPI app (JSON + SSE API, iCalendar feed, the widget's static files).

``create_app(deps)`` builds it; ``advisor serve`` runs it under uvicorn. See docs/api.md.
"""

from __future__ import annotations

from bot.channels.web.app import create_app

__all__ = ["create_app"]
