"""What the request models of every operation share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """JSON types as the service checks them: "0.5" is not a number, 1 is not a boolean.
    Unknown fields are kept: the api-version catalog, not the model, decides about them."""

    model_config = ConfigDict(strict=True, extra="allow")
