"""Routes of the study feature."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
