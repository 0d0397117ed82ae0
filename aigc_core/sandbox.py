"""The Jinja2 sandbox prompts are rendered in: no way out, and no way to exhaust the machine.

Operator templates are configuration, not code an operator should be able to take a worker
down with, so on top of Jinja2's immutable sandbox (no ``_`` attributes, no mutating methods)
every place a template can build a value is bounded *before* it allocates:

- the operators ``*``, ``**``, ``+``, ``%`` and ``~`` (``'a' * 10**9``, ``2 ** 10**9``);
- string methods and filters that grow text (``center``, ``ljust``, ``replace``, ``join``,
  ``indent``, ``format``, ``wordwrap``, ``batch``, ``slice``, ...), by the size they would build;
- ``range`` (at most ``MAX_RANGE`` items) and every call's and filter's result;
- loops, calls, filters and operators check the job's deadline (``aigc_core.deadline``), so a
  template that loops for minutes stops when the job's time is up.

No value may exceed ``MAX_VALUE`` characters (or items), the size of a whole rendered prompt.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import deadline
from .errors import TemplateError

#: Rendered prompts above this size are refused; no value inside a template may be larger.
MAX_RENDERED_CHARS = 200_000
MAX_VALUE = MAX_RENDERED_CHARS
MAX_RANGE = 10_000
#: ``a ** b`` may build an integer of at most this many bits (about 30,000 digits).
MAX_POWER_BITS = 100_000
#: Loops check the deadline every this many iterations.
_LOOP_CHECK_EVERY = 256
#: The filter wrapped around every loop's iterable; a name no template can spell.
_LOOP_FILTER = "aigc-loop"

_SIZED = (str, list, tuple, dict, set, frozenset)
#: Width and precision digits in %-format and str.format specs.
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_SPEC = re.compile(r"\{[^{}]*:([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")


def _refuse(size: int, what: str) -> None:
    raise TemplateError(
        f"{what} would build about {size:,} characters or items; the limit is {MAX_VALUE:,}")


def _bounded(value: Any, what: str) -> Any:
    if isinstance(value, _SIZED) and len(value) > MAX_VALUE:
        _refuse(len(value), what)
    return value


def _text_size(items: Iterable[Any]) -> int:
    return sum(len(item) if isinstance(item, str) else 20 for item in items)


def _format_size(spec_text: str, pattern: re.Pattern[str], args: Iterable[Any]) -> int:
    """The widest field a format string may pad to: its largest width or precision, or the
    largest integer argument when a width comes from the arguments (``*`` or ``{}``)."""
    widest = 0
    dynamic = False
    for match in pattern.finditer(spec_text):
        for group in match.groups():
            if group is None:
                continue
            if group == "*" or "{" in group:
                dynamic = True
            widest = max([widest, *(int(digits) for digits in re.findall(r"\d+", group))])
    if dynamic:
        widest = max([widest, *(abs(a) for a in args if isinstance(a, int))])
    return widest


def _check_percent(template: Any, args: Any) -> None:
    if isinstance(template, str):
        values = args if isinstance(args, tuple) else (args,)
        widest = _format_size(template, _PERCENT_SPEC, values)
        if widest > MAX_VALUE:
            _refuse(widest, "this %-format")


def _check_format(template: str, args: Iterable[Any]) -> None:
    widest = _format_size(template, _FORMAT_SPEC, args)
    if widest > MAX_VALUE:
        _refuse(widest, "this format()")


def _replace_size(text: str, old: str, new: str, count: int = -1) -> int:
    found = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _joined_size(separator: str, items: list[Any]) -> int:
    return _text_size(items) + len(separator) * max(len(items) - 1, 0)


def _check_method(owner: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple:
    """Refuse a ``str`` method call that would build a value over the limit; return the
    arguments to call it with (an iterable to join is read once, here)."""
    if name in ("center", "ljust", "rjust", "zfill") and args and isinstance(args[0], int):
        size = args[0]
    elif name == "expandtabs":
        size = len(owner) + owner.count("\t") * int(args[0] if args else 8)
    elif name == "replace" and len(args) >= 2:
        size = _replace_size(owner, str(args[0]), str(args[1]), *args[2:3])
    elif name == "join" and args:
        items = list(args[0])
        args = (items, *args[1:])
        size = _joined_size(owner, items)
    elif name in ("format", "format_map"):
        values = [*args, *kwargs.values()]
        if name == "format_map" and args and isinstance(args[0], dict):
            values = list(args[0].values())
        _check_format(owner, values)
        size = 0
    else:
        size = 0
    if size > MAX_VALUE:
        _refuse(size, f"str.{name}()")
    return args


def _filter_checks() -> dict[str, Callable[..., None]]:
    """Size checks run before the filters that can build more than they are given."""

    def width(value: Any, width: Any = 80, *_: Any, **__: Any) -> None:
        if isinstance(width, int) and width > MAX_VALUE:
            _refuse(width, "this width")

    def indent(value: Any, width: Any = 4, *_: Any, **__: Any) -> None:
        pad = width if isinstance(width, int) else len(str(width))
        text = str(value)
        size = len(text) + (text.count("\n") + 1) * pad
        if size > MAX_VALUE:
            _refuse(size, "indent")

    def join(value: Any, d: str = "", *_: Any, **__: Any) -> None:
        size = _joined_size(str(d), list(value) if isinstance(value, Iterable) else [])
        if size > MAX_VALUE:
            _refuse(size, "join")

    def replace(value: Any, old: Any, new: Any, count: Any = None, *_: Any, **__: Any) -> None:
        size = _replace_size(str(value), str(old), str(new), count if count is not None else -1)
        if size > MAX_VALUE:
            _refuse(size, "replace")

    def percent_format(value: Any, *args: Any, **kwargs: Any) -> None:
        _check_percent(value, args or kwargs)

    def wordwrap(value: Any, width: int = 79, break_long_words: bool = True,
                 wrapstring: Any = None, *_: Any, **__: Any) -> None:
        text = str(value)
        breaks = len(text) // max(int(width), 1) + text.count("\n") + 1
        size = len(text) + breaks * len(str(wrapstring or "\n"))
        if size > MAX_VALUE:
            _refuse(size, "wordwrap")

    return {"center": width, "batch": width, "slice": width, "indent": indent, "join": join,
            "replace": replace, "format": percent_format, "wordwrap": wordwrap}


def _guard_filter(name: str, func: Callable[..., Any],
                  check: Callable[..., None] | None) -> Callable[..., Any]:
    pass_arg = getattr(func, "jinja_pass_arg", None)

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        deadline.check()
        if check is not None:
            # The filter's own arguments start after the context/environment it is passed.
            check(*args[1 if pass_arg is not None else 0:], **kwargs)
        return _bounded(func(*args, **kwargs), f"the filter {name!r}")

    return guarded


def _checked_loop(iterable: Any) -> Iterator[Any]:
    for index, item in enumerate(iterable):
        if index % _LOOP_CHECK_EVERY == 0:
            deadline.check()
        yield item


def _bounded_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateError(f"range() of {len(rng)} items exceeds the limit of {MAX_RANGE}")
    return rng


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a size-checked join (Jinja2 offers no hook for it)."""

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class HardenedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with no globals but a bounded ``range``, undefined variables as
    errors, and every value-building operation bounded (module docstring)."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, loader: jinja2.BaseLoader):
        super().__init__(
            loader=loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.globals.clear()
        self.globals["range"] = _bounded_range
        checks = _filter_checks()
        self.filters = {name: _guard_filter(name, func, checks.get(name))
                        for name, func in self.filters.items()}
        self.filters[_LOOP_FILTER] = _checked_loop

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # Every loop's iterable goes through _checked_loop, so loops see the deadline.
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _LOOP_FILTER, [], [], None, None,
                                     lineno=loop.lineno)
        return tree

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        deadline.check()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (isinstance(seq, _SIZED) and isinstance(times, int)
                        and len(seq) * times > MAX_VALUE):
                    _refuse(len(seq) * times, "'*'")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
                bits = right * abs(left).bit_length()
                if bits > MAX_POWER_BITS:
                    raise TemplateError(f"'**' would build an integer of about {bits:,} bits; "
                                        f"the limit is {MAX_POWER_BITS:,}")
        elif operator == "%":
            _check_percent(left, right)
        return _bounded(super().call_binop(context, operator, left, right), f"'{operator}'")

    def bounded_concat(self, parts: tuple[Any, ...]) -> str:
        texts = [str(part) for part in parts]
        size = sum(len(text) for text in texts)
        if size > MAX_VALUE:
            _refuse(size, "'~'")
        return "".join(texts)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        deadline.check()
        method = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by Jinja2
        owner = getattr(method, "__self__", None)
        name = getattr(method, "__name__", "")
        if isinstance(owner, str):
            args = _check_method(owner, name, args, kwargs)
        return _bounded(super().call(__context, __obj, *args, **kwargs), f"{name or 'call'}()")
