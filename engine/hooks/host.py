"""The plugin host: one pluggy manager per engine, loaded from the ``stocktake`` entry points.

Loading order: hook specs, then every entry point of the group (imported in name order, skipping
disabled ones), then plugins passed in-process, then ``check_pending()``. Each step that can fail
names the plugin, its distribution and version. Nothing is loaded at import time.

Hooks are called through pluggy's own hook callers (:class:`HookCalls`), so ``wrapper=True``
implementations, ``tryfirst``/``trylast`` and pluggy's ordering work as pluggy documents. Plugins
are registered in reverse name order; pluggy calls the last registered first, so implementations
without ``tryfirst``/``trylast`` run in plugin-name order. Each plugin is registered through a
stand-in whose hook functions know which plugin they belong to: a registrar registers on that
plugin's behalf, and a crash inside one becomes a :class:`PluginError` naming it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from stocktake.core.boundary import PASS_THROUGH, describe, one_line
from stocktake.core.errors import PluginError, StocktakeError, UsageError
from stocktake.hooks import specs as hookspecs
from stocktake.hooks.registry import Origin, Registrar
from stocktake.hooks.specs import PROJECT

__all__ = ["HookCalls", "PluginHost", "PluginInfo"]


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
        loaded: list[tuple[object, str, str | None, str | None]] = []
        if load_entry_points:
            known |= self._load_entry_points(loaded)
        for name, plugin in plugins:
            known.add(name)
            if name not in self._disabled:
                loaded.append((plugin, name, None, None))
        for plugin, name, dist, version in sorted(loaded, key=lambda item: item[1], reverse=True):
            self._register(plugin, name, dist, version)
        unknown = [name for name in self._disabled if name not in known]
        if unknown:
            raise UsageError(
                f"cannot disable {', '.join(repr(u) for u in unknown)}: no plugin of that name "
                f"(plugins: {', '.join(sorted(known)) or 'none'})"
            )
        self._check_pending()

    # -- loading -------------------------------------------------------------------------------

    def _load_entry_points(self, loaded: list[tuple[object, str, str | None, str | None]]) -> set[str]:
        seen: dict[str, str | None] = {}
        entry_points = sorted(metadata.entry_points(group=PROJECT), key=lambda ep: ep.name)
        named: dict[int, tuple[str | None, str | None]] = {}  # id(distribution) -> (name, version)
        for ep in entry_points:
            dist, version = None, None
            if ep.dist is not None:
                if id(ep.dist) not in named:  # its METADATA parsed once, not once per entry point and field
                    found = ep.dist.metadata
                    named[id(ep.dist)] = (found["Name"], found["Version"])
                dist, version = named[id(ep.dist)]
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
            except PASS_THROUGH:
                raise
            except BaseException as err:  # SystemExit at import too: a plugin does not end the command
                raise PluginError(
                    one_line(f"failed to import {ep.value!r}: {describe(err)}", 1000),
                    plugin=ep.name, distribution=dist, version=version,
                ) from err
            loaded.append((plugin, ep.name, dist, version))
        return set(seen)

    def _register(self, plugin: object, name: str, dist: str | None, version: str | None) -> None:
        module = getattr(plugin, "__name__", None) or type(plugin).__module__
        info = PluginInfo(name, dist, version, module, ())
        try:
            self._pm.register(_attributed(plugin, info), name=name)
        except pluggy.PluginValidationError as err:
            raise PluginError(
                _one_line(str(err)), plugin=name, distribution=dist, version=version
            ) from err
        except ValueError as err:  # name or object already registered
            raise PluginError(one_line(str(err)), plugin=name, distribution=dist, version=version) from err
        except PASS_THROUGH:
            raise
        except BaseException as err:  # reading the plugin's hook functions ran its code
            raise PluginError(f"could not be registered: {describe(err)}", plugin=name, distribution=dist,
                              version=version) from err
        self._info[name] = info

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

    @functools.cached_property
    def hook(self) -> HookCalls:
        """Typed calls of every hook, through pluggy."""
        return HookCalls(self._pm.hook)


class HookCalls:
    """One typed method per hook, each a plain pluggy hook call (``pm.hook.stocktake_...``).

    Registration hooks take one :class:`Registrar`; each plugin's implementation receives it bound
    to that plugin (so a registrar kept for later still registers for the right plugin).
    """

    def __init__(self, relay: pluggy.HookRelay) -> None:
        self._hook = relay

    def register_scales(self, registry: Registrar) -> None:
        self._hook.stocktake_register_scales(registry=registry)

    def register_rubrics(self, registry: Registrar) -> None:
        self._hook.stocktake_register_rubrics(registry=registry)

    def register_strategies(self, registry: Registrar) -> None:
        self._hook.stocktake_register_strategies(registry=registry)

    def register_rule_sets(self, registry: Registrar) -> None:
        self._hook.stocktake_register_rule_sets(registry=registry)

    def register_chain_detectors(self, registry: Registrar) -> None:
        self._hook.stocktake_register_chain_detectors(registry=registry)


class _StandIn:
    """Holds one plugin's hook functions, bound to it; shows as the plugin in pluggy's messages."""

    def __init__(self, plugin: object) -> None:
        self._plugin = plugin

    def __repr__(self) -> str:
        return repr(self._plugin)


def _attributed(plugin: object, info: PluginInfo) -> object:
    """A stand-in for ``plugin`` holding its ``stocktake_*`` functions, each bound to ``info``.

    Only names with our prefix are read, so arbitrary attributes of plugin objects are never
    touched. The functions keep their names, signatures and hookimpl markers.
    """
    stand_in = _StandIn(plugin)
    for name in dir(plugin):
        if name.startswith(f"{PROJECT}_"):
            member = getattr(plugin, name)
            if inspect.isroutine(member):
                setattr(stand_in, name, _bound(member, info.origin, name))
    return stand_in


def _own(args: tuple[Any, ...], origin: Origin) -> tuple[Any, ...]:
    """``args`` with any registrar replaced by one registering on behalf of ``origin``."""
    return tuple(a.for_plugin(origin) if isinstance(a, Registrar) else a for a in args)


def _bound(function: Callable[..., Any], origin: Origin, hook: str) -> Callable[..., Any]:
    """``function`` given registrars bound to ``origin``; anything but a :class:`StocktakeError`
    it raises becomes a :class:`PluginError` naming the plugin. pluggy passes hook arguments
    positionally, in the order of the implementation's own parameters."""
    if inspect.isgeneratorfunction(function):  # a wrapper: pluggy requires a generator function
        @functools.wraps(function)
        def wrapper(*args: Any) -> Generator[Any, Any, Any]:
            try:
                return (yield from function(*_own(args, origin)))
            except PASS_THROUGH:
                raise
            except StocktakeError:
                raise
            except BaseException as err:
                raise _raised(origin, hook, err) from err
        return wrapper

    @functools.wraps(function)
    def call(*args: Any) -> Any:
        try:
            return function(*_own(args, origin))
        except PASS_THROUGH:
            raise
        except StocktakeError:
            raise
        except BaseException as err:  # SystemExit too: a plugin does not end the command
            raise _raised(origin, hook, err) from err
    return call


def _raised(origin: Origin, hook: str, err: BaseException) -> PluginError:
    name, _, text = describe(err).partition(": ")
    return origin.error(f"raised {name} in {hook}" + (f": {text}" if text else ""))


def _one_line(text: str) -> str:
    return one_line(" ".join(part.strip() for part in text.splitlines() if part.strip()), 1000)
