"""Where the engine meets plugin code: which exceptions a plugin may end a command with (none but
Ctrl-C), and how text a plugin controls (its exceptions, the values it returned) is shown on one
printable line of bounded length."""

from __future__ import annotations

from stocktake.core import errors

__all__ = ["MESSAGE_LIMIT", "PASS_THROUGH", "describe", "one_line", "shown"]

PASS_THROUGH: tuple[type[BaseException], ...] = (KeyboardInterrupt, GeneratorExit)
"""What a plugin may raise through the engine. Every other exception, ``SystemExit`` and other
``BaseException`` subclasses included, becomes a failure naming the plugin::

    try:
        plugin_code()
    except PASS_THROUGH:
        raise
    except BaseException as err:
        ...  # record the failure, naming the plugin
"""

MESSAGE_LIMIT = 300
"""Characters of plugin-controlled text shown in one message (an exception's text, a value)."""


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` on one line, as every error line is (:func:`stocktake.core.errors.one_line`), cut at
    ``limit`` characters."""
    return errors.one_line(text, limit)


def describe(err: BaseException) -> str:
    """``Type: message`` of an exception a plugin raised, on one line; an exception whose text
    cannot be had (its ``__str__`` raises) is shown by its type."""
    name = one_line(type(err).__name__, 100)
    try:
        text = str(err)
    except PASS_THROUGH:
        raise
    except BaseException:
        return f"{name} (its message could not be shown)"
    return f"{name}: {one_line(text)}" if text else name


def shown(value: object, limit: int = 80) -> str:
    """A value a plugin returned, as ``repr`` shows it, on one line of at most ``limit`` characters."""
    try:
        text = repr(value)
    except PASS_THROUGH:
        raise
    except BaseException:
        text = f"<{type(value).__name__}>"
    return one_line(text, limit)
