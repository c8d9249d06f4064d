"""The plugin host: one pluggy manager per engine, loaded from the ``stocktake`` entry points.

Loading order: hook specs, then every entry point of the group (sorted by name, skipping disabled
ones), then plugins passed in-process, then ``check_pending()``. Each step that can fail names the
plugin, its distribution and version. Nothing is loaded at import time.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from stocktake.core.errors import PluginError, StocktakeError, UsageError
from stocktake.hooks import specs as hookspecs
from stocktake.hooks.registry import Origin
from stocktake.hooks.specs import PROJECT

__all__ = ["PluginHost", "PluginInfo"]


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin as ``stocktake plugins`` lists it."""

    name: str
    distribution: str | None
    version: str | None
    module: str
    hooks: tuple[str, ...]

    @property
    def origin(self) -> Origin:
        return Origin(self.name, self.distribution, self.version)


class _Manager(pluggy.PluginManager):
    """A pluggy manager that also treats unmarked ``stocktake_*`` functions as hook impls.

    Without this a misspelt, unmarked ``stocktake_regster_rubrics`` would be silently ignored;
    with it, ``check_pending()`` reports it. Only names with our prefix are inspected, so
    arbitrary attributes of plugin objects are never read.
    """

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith(f"{PROJECT}_"):
            member = getattr(plugin, name, None)
            if inspect.isroutine(member):
                return {}
        return opts


class PluginHost:
    """Owns one pluggy plugin manager and knows where each plugin came from.

    :param disabled: plugin names not to load (entry-point names, as ``stocktake plugins`` shows).
    :param plugins: extra plugins to register in-process, as ``(name, module_or_object)`` pairs.
    :param load_entry_points: load the ``stocktake`` entry-point group (turn off in tests).
    """

    def __init__(
        self,
        *,
        disabled: Iterable[str] = (),
        plugins: Iterable[tuple[str, object]] = (),
        load_entry_points: bool = True,
    ) -> None:
        self._pm = _Manager(PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._info: dict[str, PluginInfo] = {}
        self._disabled = sorted(set(disabled))
        for name in self._disabled:
            self._pm.set_blocked(name)
        known: set[str] = set()
        if load_entry_points:
            known |= self._load_entry_points()
        for name, plugin in plugins:
            known.add(name)
            if name not in self._disabled:
                self._register(plugin, name, None, None)
        unknown = [name for name in self._disabled if name not in known]
        if unknown:
            raise UsageError(
                f"cannot disable {', '.join(repr(u) for u in unknown)}: no plugin of that name "
                f"(plugins: {', '.join(sorted(known)) or 'none'})"
            )
        self._check_pending()

    # -- loading -------------------------------------------------------------------------------

    def _load_entry_points(self) -> set[str]:
        seen: dict[str, str | None] = {}
        entry_points = sorted(metadata.entry_points(group=PROJECT), key=lambda ep: ep.name)
        for ep in entry_points:
            dist = ep.dist.name if ep.dist is not None else None
            version = ep.dist.version if ep.dist is not None else None
            if ep.name in seen:
                raise PluginError(
                    f"uses the plugin name already taken by distribution {seen[ep.name]}",
                    plugin=ep.name, distribution=dist, version=version,
                )
            seen[ep.name] = dist
            if self._pm.is_blocked(ep.name):
                continue
            try:
                plugin = ep.load()
            except Exception as err:
                raise PluginError(
                    f"failed to import {ep.value!r}: {type(err).__name__}: {err}",
                    plugin=ep.name, distribution=dist, version=version,
                ) from err
            self._register(plugin, ep.name, dist, version)
        return set(seen)

    def _register(self, plugin: object, name: str, dist: str | None, version: str | None) -> None:
        try:
            self._pm.register(plugin, name=name)
        except pluggy.PluginValidationError as err:
            raise PluginError(
                _one_line(str(err)), plugin=name, distribution=dist, version=version
            ) from err
        except ValueError as err:  # name or object already registered
            raise PluginError(str(err), plugin=name, distribution=dist, version=version) from err
        module = getattr(plugin, "__name__", None) or type(plugin).__module__
        self._info[name] = PluginInfo(name, dist, version, module, ())

    def _check_pending(self) -> None:
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as err:
            name = self._pm.get_name(err.plugin) or "?"
            info = self._info.get(name)
            raise PluginError(
                _one_line(str(err)) + " (is the hook name misspelt?)",
                plugin=name,
                distribution=info.distribution if info else None,
                version=info.version if info else None,
            ) from err

    # -- using ---------------------------------------------------------------------------------

    def plugins(self) -> list[PluginInfo]:
        """Loaded plugins, sorted by name, each with the hooks it implements."""
        out = []
        for name, info in sorted(self._info.items()):
            plugin = self._pm.get_plugin(name)
            callers = self._pm.get_hookcallers(plugin) or []
            hooks = tuple(sorted(caller.name for caller in callers))
            out.append(PluginInfo(info.name, info.distribution, info.version, info.module, hooks))
        return out

    @property
    def disabled(self) -> list[str]:
        """Names of the plugins that were disabled."""
        return list(self._disabled)

    def call_each(self, hook: str, **kwargs: Any) -> Iterator[tuple[PluginInfo, Any]]:
        """Call ``hook`` on each implementing plugin in turn, sorted by plugin name.

        ``kwargs`` values that are callables taking an :class:`Origin` are called first, so each
        plugin can receive an argument bound to it (a registrar). A plugin that raises anything
        but a :class:`~stocktake.core.errors.StocktakeError` fails with a :class:`PluginError` naming it.
        """
        caller = getattr(self._pm.hook, hook)
        impls = sorted(caller.get_hookimpls(), key=lambda impl: impl.plugin_name)
        for impl in impls:
            info = self._info.get(impl.plugin_name) or PluginInfo(
                impl.plugin_name, None, None, "?", ()
            )
            args = {
                key: (value(info.origin) if callable(value) else value)
                for key, value in kwargs.items()
                if key in impl.argnames
            }
            try:
                result = impl.function(**args)
            except StocktakeError:
                raise
            except Exception as err:
                raise info.origin.error(
                    f"raised {type(err).__name__} in {hook}: {err}"
                ) from err
            yield info, result


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())
