"""Schemas shared by the API routers."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ConfigDict

#: Database ids: positive and within a signed 64-bit integer, so a huge number in the URL is a
#: validation error (422), never an overflow in the database driver (500).
MAX_ID = 2**63 - 1
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]


class InputSchema(Schema):
    """Base of every request body: a field the endpoint does not know is refused (422), never
    silently dropped, so a client that sends ``{"approved": true, "level": "county"}`` learns that
    ``level`` means nothing here instead of believing it took effect."""

    model_config = ConfigDict(extra="forbid")


class FieldErrorOut(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    code: str = Field(..., examples=["not_found"])
    message: str
    field: str | None = None
    errors: list[FieldErrorOut] | None = Field(
        None, description="Every problem found, when the request had several (validation answers).")


class OkOut(Schema):
    ok: bool = True


class OrgRef(Schema):
    id: int
    name: str


#: Error responses every authenticated read may give (for the OpenAPI description).
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def clean_text(value: str | None) -> str:
    """Drop control characters (NUL breaks PostgreSQL) and normalize a free-text query."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch in " ")
    return value.strip()
