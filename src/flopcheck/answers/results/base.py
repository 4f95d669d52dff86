"""The base of every result model: frozen, no unknown keys, built on first use."""

from pydantic import BaseModel, ConfigDict


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
