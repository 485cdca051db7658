"""The three mandatory compliance payloads (shapes from Shopify's privacy-law docs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class InvalidCompliancePayload(ValueError):
    pass


class _Schema(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ComplianceCustomer(_Schema):
    id: int | None = None
    email: str | None = None
    phone: str | None = None


class DataRequest(_Schema):
    id: int | str | None = None


class DataRequestPayload(_Schema):
    shop_id: int | None = None
    shop_domain: str
    customer: ComplianceCustomer
    orders_requested: list[int] = Field(default_factory=list)
    data_request: DataRequest = DataRequest()


class CustomerRedactPayload(_Schema):
    shop_id: int | None = None
    shop_domain: str
    customer: ComplianceCustomer
    orders_to_redact: list[int] = Field(default_factory=list)


class ShopRedactPayload(_Schema):
    shop_id: int | None = None
    shop_domain: str


_S = TypeVar("_S", bound=_Schema)


def parse(schema: type[_S], payload: Mapping[str, Any]) -> _S:
    try:
        return schema.model_validate(payload)
    except ValidationError as exc:
        # Locations only: the values are the customer's personal data.
        where = ", ".join(
            ".".join(str(p) for p in err["loc"]) for err in exc.errors(include_input=False)
        )
        raise InvalidCompliancePayload(f"{schema.__name__}: invalid {where}") from None
