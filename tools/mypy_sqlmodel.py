"""A mypy plugin for SQLModel tables: a field read on the class (`Run.status`) is typed as the SQLAlchemy
column attribute it is at run time, not as the field's value, so `Run.status == x`, `Run.id.in_(ids)`,
`Run.queued_at.desc()` and `select(Run.id)` are checked as the SQL expressions they are. On an instance
(`run.status`) a field keeps its own type. SQLModel ships no mypy plugin; this is the part Runpad needs."""

from __future__ import annotations

import functools
from collections.abc import Callable

from mypy.nodes import MypyFile, NameExpr, TypeInfo, Var
from mypy.plugin import AttributeContext, ClassDefContext, Plugin
from mypy.types import Instance, Type

SQLMODEL = "sqlmodel.main.SQLModel"
COLUMN = "sqlalchemy.orm.attributes.InstrumentedAttribute"
TABLE_KEY = "runpad-sqlmodel-table"  # kept in the TypeInfo's metadata, which mypy's cache keeps too


class SQLModelColumns(Plugin):
    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        return [(10, COLUMN.rpartition(".")[0], -1)]  # so that the column type can be named anywhere

    def get_customize_class_mro_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        return _remember_table  # called once for every class; only `table=True` ones are marked

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        class_name, _, field = fullname.rpartition(".")
        node = self.lookup_fully_qualified(class_name)
        if node is None or not isinstance(node.node, TypeInfo) or not _is_column(node.node, field):
            return None
        column = self.lookup_fully_qualified(COLUMN)
        if column is None or not isinstance(column.node, TypeInfo):
            return None
        return functools.partial(_as_column, column.node)


def _remember_table(ctx: ClassDefContext) -> None:
    table = ctx.cls.keywords.get("table")
    if isinstance(table, NameExpr) and table.name == "True":
        ctx.cls.info.metadata[TABLE_KEY] = {}


def _is_column(info: TypeInfo, field: str) -> bool:
    """An annotated, non-ClassVar field of a `table=True` SQLModel class (not a method, not __tablename__)."""
    if TABLE_KEY not in info.metadata or not info.has_base(SQLMODEL) or field.startswith("_"):
        return False
    node = info.names.get(field)
    var = node.node if node else None
    return isinstance(var, Var) and not var.is_classvar and not var.is_inferred and var.type is not None


def _as_column(column: TypeInfo, ctx: AttributeContext) -> Type:
    if ctx.is_lvalue:
        return ctx.default_attr_type
    return Instance(column, [ctx.default_attr_type])


def plugin(version: str) -> type[Plugin]:
    return SQLModelColumns
