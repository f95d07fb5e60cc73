"""A mypy plugin for Reflex event handlers. Reflex types `@rx.event` for pyright: a class whose `__new__`
returns an EventCallback generic over the handler's arguments. mypy takes the class itself as the result,
so `State.handler(x)`, `State.handler.debounce(200)` and `return State.other(x)` fail to type-check.
Here a decorated handler is an EventCallback taking any arguments; its body is checked as before."""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import ARG_POS, TypeInfo
from mypy.plugin import FunctionContext, Plugin
from mypy.types import AnyType, CallableType, Instance, Type, TypeOfAny, UnpackType

EVENT = "reflex_base.event.EventNamespace"  # what `rx.event` is
CALLBACK = "reflex_base.event.EventCallback"


class ReflexEvents(Plugin):
    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        return self._handler if fullname == EVENT else None

    def _handler(self, ctx: FunctionContext) -> Type:
        node = self.lookup_fully_qualified(CALLBACK)
        if node is None or not isinstance(node.node, TypeInfo):
            return ctx.default_return_type
        any_args = UnpackType(ctx.api.named_generic_type("builtins.tuple", [AnyType(TypeOfAny.special_form)]))
        callback = Instance(node.node, [any_args])
        if ctx.args and ctx.args[0]:  # @rx.event
            return callback
        # @rx.event(background=True): a decorator that makes the callback
        return CallableType(
            [AnyType(TypeOfAny.special_form)],
            [ARG_POS],
            [None],
            callback,
            ctx.api.named_generic_type("builtins.function", []),
        )


def plugin(version: str) -> type[Plugin]:
    return ReflexEvents
