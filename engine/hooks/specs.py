"""Every hook a Stocktake plugin can implement, and the markers for writing them.

A plugin is a module (or object) with functions named ``stocktake_<hook>`` decorated with
:data:`hookimpl`, exposed through an entry point in the ``stocktake`` group::

    [project.entry-points.stocktake]
    my-rubrics = "my_package.stocktake_plugin"

Implementations may accept fewer arguments than the spec lists, so arguments can be added to a
hook later without breaking existing plugins. Hooks are always called with keyword arguments.
A function whose name starts with ``stocktake_`` but matches no hook below is an error at load
time (a misspelt hook would otherwise be silently ignored).

Built-in behaviour (``plugins/`` in this distribution) uses exactly these hooks.

What the engine enforces at the boundary (a plugin is code running in the engine's process; these
rules keep one plugin's faults its own, they do not sandbox it):

- What a plugin registers must have ``id``, ``version``, ``title`` and ``description`` as text
  (the id not empty) and its method; otherwise loading fails naming the plugin (exit 3).
- What a detector, strategy or rule set returns is checked at every call (types of every field);
  anything else, and every exception it raises (``SystemExit`` and other ``BaseException``
  subclasses included; only ``KeyboardInterrupt`` passes), becomes a failure in the result naming
  the plugin, its distribution and version: the output is written, the other plugins' results
  stand, and the command exits 3. An exception at import or in a hook fails loading (exit 3).
- A plugin's message is shown on one line: control characters escaped, cut at 300 characters.
- Plugins are not timed: a plugin that never returns blocks the command (Python cannot stop a
  running thread safely). Stop it with Ctrl-C, and disable it with ``--disable-plugin NAME``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from stocktake.hooks.registry import Registrar

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "stocktake"
"""The pluggy project name, hook prefix and entry-point group."""

hookspec = pluggy.HookspecMarker(PROJECT)
"""Marker for hook specifications (used in this module only)."""

hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marker to be imported and used in plugins (and for the built-in implementations)."""


# -------------------------------------------------------------------------------------------------
# Registration hooks: called once per engine, right after plugins are loaded.
# -------------------------------------------------------------------------------------------------


@hookspec
def stocktake_register_scales(registry: Registrar) -> None:
    """Register rating scales that rubrics can name in their ``scale`` fields.

    Call ``registry.add_scale(scale)`` with an :class:`engine.Scale` or a mapping in the same
    shape as a ``scales`` entry of a rubric file. Scale ids are global: registering an id another
    plugin already registered fails, naming both plugins.

    Called before :func:`stocktake_register_rubrics`, so every registered scale is known when
    rubrics are validated.

    :param registry: registers items on behalf of this plugin; it owns ids and rejects duplicates.
    :returns: nothing; the return value is ignored.

    Use in: any plugin that ships a scale (the built-in ``builtin-scales`` plugin ships the
    four-point delivery scale, degree of challenge and stage of delivery).
    """


@hookspec
def stocktake_register_rubrics(registry: Registrar) -> None:
    """Register rubric files (YAML or JSON documents of ``kind: Rubric``).

    Call ``registry.add_rubric(path)`` with a file, or with a directory whose ``*.yaml``,
    ``*.yml`` and ``*.json`` files are all rubrics. Files are read and validated when rubrics are
    first needed; the same rubric id and version from two files is an error naming both files.

    :param registry: registers items on behalf of this plugin; it owns ids and rejects duplicates.
    :returns: nothing; the return value is ignored.

    Use in: any plugin that ships rubrics (the built-in ``builtin-rubrics`` plugin ships
    ``delivery-capacity-review`` and ``likelihood-of-delivery``). Organisations that only need
    their own rubric do not need a plugin: ``--rubric-path DIR`` or ``STOCKTAKE_RUBRIC_PATH``.
    """


@hookspec
def stocktake_register_strategies(registry: Registrar) -> None:
    """Register aggregation strategies that combine several reviewers' ratings of one item.

    Call ``registry.add_strategy(strategy)`` with an object meeting :class:`stocktake.review.strategies.Strategy`:
    ``id``, ``version``, ``title``, ``description`` and ``aggregate(ratings, scale) -> Verdict``.
    Strategy ids are global; a duplicate fails naming both plugins. A strategy that raises or
    returns something other than a valid verdict during a review becomes a failure in the result
    naming the plugin (the command exits 3), not an aborted run.

    :param registry: registers items on behalf of this plugin; it owns ids and rejects duplicates.
    :returns: nothing; the return value is ignored.

    Use in: any plugin offering a way to combine ratings (the built-in ``builtin-aggregation``
    plugin ships ``lower-median``, ``most-conservative``, ``consensus`` and
    ``independent-led``). Chosen with ``stocktake review --strategy ID``, the review's
    ``settings.strategy`` or the rubric's ``aggregation``.
    """


@hookspec
def stocktake_register_rule_sets(registry: Registrar) -> None:
    """Register rule sets that judge a priority's likelihood of delivery.

    Call ``registry.add_rule_set(source)`` with a ``kind: RuleSet`` file (or a directory of them),
    which is validated and compiled when first needed, or with a Python object meeting
    :class:`stocktake.likelihood.decision.RuleSetLike`: ``id``, ``version``, ``title``, ``description``,
    ``inputs`` (the names it reads), ``output_scale`` and ``decide(values) -> Decision``. Rule set
    ids are global; a duplicate fails naming both plugins. A rule set that raises or returns a
    level outside its scale during a judgment becomes a failure in the result naming the plugin
    (the command exits 3).

    :param registry: registers items on behalf of this plugin; it owns ids and rejects duplicates.
    :returns: nothing; the return value is ignored.

    Use in: any plugin with its own way of judging likelihood (the built-in ``builtin-rules``
    plugin ships the decision table ``likelihood-default``). Chosen with ``stocktake judge
    --rules NAME`` (or a RuleSet file path) or the assessment's ``rules``.
    """


@hookspec
def stocktake_register_chain_detectors(registry: Registrar) -> None:
    """Register detectors that look for weak links in delivery chains.

    Call ``registry.add_detector(detector)`` with an object meeting
    :class:`stocktake.chains.analysis.Detector`: ``id``, ``version``, ``title``, ``description`` and
    ``detect(chain) -> list[ChainFinding]``, where ``chain`` is an :class:`stocktake.chains.analysis.ChainGraph`
    (adjacency with link strengths, shared analyses: strongest routes, dominators, single ways
    in, hops, feedback; and ``graph``, a networkx ``DiGraph`` built on first use). Each
    finding names the level it caps the chain at, unless its ``caps`` is false (then it is noted
    beside the judgment; true by default). Detector ids are global. A detector that raises
    or returns something else becomes a failure naming the plugin (the command exits 3); the other
    detectors' findings stand. Every detector sees the same graph, read-only (mappings are
    read-only views, sequences tuples, ``graph`` frozen; the actor and link records inside are the
    document's and must not be changed). Detectors are not timed: one that never returns blocks
    the command.

    :param registry: registers items on behalf of this plugin; it owns ids and rejects duplicates.
    :returns: nothing; the return value is ignored.

    Use in: any plugin with its own test of a chain (the built-in ``builtin-chain-detectors``
    plugin ships weakest-link, single-points-of-failure, no-feedback, unreachable-front-line,
    weak-actors, long-chains and unevidenced-links).
    """
