"""A string the spec states the choices of, where the service refuses others in its own
words: a client built from ``/openapi.json`` offers the choices, and one sent another
(the spec is not enforced) is told what the command line and the pages are told, not the
framework's ``literal_error``. ``Annotated[str, Choices(...)] | None`` keeps the ``enum``
with the string, not the ``null``, as a ``Literal`` would."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema as cs


@dataclass(frozen=True)
class Choices:
    """The choices (``values()``), asked for when the spec is built: a long list (the
    countries with known holidays) is read only when a client asks for the spec."""

    values: Callable[[], Iterable[str]]

    def __get_pydantic_json_schema__(
        self, schema: cs.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        stated = handler(schema)
        stated["enum"] = list(self.values())
        return stated
