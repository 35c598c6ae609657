"""What an export asks for: a resource, filters by their public names, a choice of columns, and
whether CSV text that looks like a spreadsheet formula is written raw."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from bulkio.domain.errors import InvalidRequest, UnknownField
from bulkio.domain.errors import FieldProblem
from bulkio.domain.fields import Timestamp
from bulkio.domain.resources import Resource


@frozen
class Condition:
    field: str
    op: str  # eq | gte | lt
    value: Any


@frozen
class ExportQuery:
    """A validated export request: conditions on declared fields and the columns to write.

    `keep_formulas` writes CSV text cells raw; by default one that starts with `=`, `+`, `-`,
    `@`, a tab or a carriage return gets a leading `'` (`bulkio.formats.values.neutralized`)."""

    resource: Resource
    conditions: tuple[Condition, ...] = ()
    columns: tuple[str, ...] = ()
    keep_formulas: bool = False

    @classmethod
    def build(
        cls, resource: Resource, filters: Mapping[str, Any] | None = None,
        fields: list[str] | tuple[str, ...] | None = None, keep_formulas: bool = False,
    ) -> ExportQuery:
        """Check filter names and values and field names against the resource declaration."""
        conditions = []
        for name, raw in (filters or {}).items():
            if raw is None or raw == "":
                continue
            spec = resource.filter(name)
            kind = Timestamp() if spec.field in ("created_at", "updated_at") else resource.field(spec.field).kind
            try:
                value = kind.clean(raw)
            except FieldProblem as problem:
                raise InvalidRequest(f"filter {name}: {problem.message} (got {raw!r})",
                                     field=name) from None
            conditions.append(Condition(spec.field, spec.op, value))
        columns = tuple(fields) if fields else resource.export_columns
        for column in columns:
            if column not in resource.export_columns:
                raise UnknownField(
                    f"{resource.name} has no field {column!r} "
                    f"(known: {', '.join(resource.export_columns)})", field="fields",
                )
        return cls(resource, tuple(conditions), columns, keep_formulas)
