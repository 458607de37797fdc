"""The widget's files (written by the front-end side): ``/`` → demo.html, ``/widget.js``,
``/static/*``. The demo page is served from the API's own origin, so it needs no CORS."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

STATIC_DIR = Path(__file__).resolve().parent / "static"
NO_CACHE = {"Cache-Control": "no-cache"}  # revalidate (ETag) so a new widget is picked up


def _file(path: Path, media_type: str) -> FileResponse:
    if not path.is_file():
        raise StarletteHTTPException(status_code=404)
    return FileResponse(path, media_type=media_type, headers=NO_CACHE)


def mount_static(app: FastAPI, static_dir: Path) -> None:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def demo_page() -> FileResponse:
        return _file(static_dir / "demo.html", "text/html; charset=utf-8")

    @router.get("/widget.js")
    def widget() -> FileResponse:
        return _file(static_dir / "widget.js", "text/javascript; charset=utf-8")

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=static_dir, check_dir=False), name="static")
