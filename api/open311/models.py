"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) as gridpatrol answers it: the JSON models, whose
fields are declared in the standard's element order (the XML is written from them, api/open311/render.py)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator


class Service(BaseModel):
    service_code: str  # the category's code
    service_name: str  # its public name
    description: str  # its English public name
    metadata: bool  # no attributes to fill in: a service definition lists none
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str  # the category's family


class AttributeValue(BaseModel):
    key: str
    name: str


class Attribute(BaseModel):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValue]


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[Attribute]


class ServiceRequest(BaseModel):
    """One request, public fields only: never the description, the reporter, or who handled it."""

    service_request_id: str  # a report's tracking code, or a listed ticket's id (docs/open311.md)
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    requested_datetime: datetime
    updated_datetime: datetime
    lat: float  # rounded as the county's settings say
    long: float
    media_url: str | None  # the after-photo's public display copy, once fixed

    @field_validator("requested_datetime", "updated_datetime")
    @classmethod
    def _to_the_second(cls, moment: datetime) -> datetime:
        return moment.replace(microsecond=0)  # as the XML writes it


class RequestCreated(BaseModel):
    service_request_id: str
    token: str  # GET tokens/{token} answers the id again
    service_notice: str
    account_id: str | None


class TokenAnswer(BaseModel):
    service_request_id: str
    token: str


class Open311Error(BaseModel):
    code: int  # the HTTP status
    description: str  # gridpatrol's error code, then the message in English and in Chinese


class Open311Errors(RootModel[list[Open311Error]]):
    pass


class RequestForm(BaseModel):
    """POST requests, form-encoded. Fields of the standard gridpatrol does not keep (email, names, account_id,
    attributes) are accepted and ignored; an address without lat/long is refused (we locate by coordinates)."""

    model_config = ConfigDict(extra="ignore")
    api_key: str = Field(min_length=1, max_length=128)
    jurisdiction_id: str | None = Field(default=None, max_length=64)
    service_code: str = Field(min_length=1, max_length=8)
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address_string: str | None = Field(default=None, max_length=500)
    address_id: str | None = Field(default=None, max_length=128)
    device_id: str | None = Field(default=None, max_length=64)
    account_id: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 -]{4,18}[0-9]$")
    # What a ticket holds (the standard allows 4,000 characters): longer is refused, not cut.
    description: str = Field(default="", max_length=2000)
    media_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
