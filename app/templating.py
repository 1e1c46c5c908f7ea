"""The Jinja2 environment shared by every feature's routes."""

from __future__ import annotations

from fastapi.templating import Jinja2Templates

from app.messages import translate
from app.settings import PROJECT_ROOT

templates = Jinja2Templates(directory=str(PROJECT_ROOT / "templates"))
templates.env.globals["t"] = translate
