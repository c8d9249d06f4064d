"""The plugin host: discovery through entry points, and every way a plugin can fail to load."""

from __future__ import annotations

import subprocess
import sys

import pytest

from stocktake import Engine, PluginError, UsageError
from stocktake.core.errors import ExitCode
from stocktake.testing import make_engine

SCALE_PLUGIN = '''
from stocktake import hookimpl

@hookimpl
def stocktake_register_scales(registry):
    registry.add_scale({
        "id": "%s", "title": "Two levels",
        "levels": [{"code": "Yes", "label": "Yes", "score": 2}, {"code": "No", "label": "No", "score": 1}],
    })
'''


def test_builtins_come_through_this_distributions_entry_points():
    """Built-in behaviour is loaded exactly like a third-party plugin."""
    plugins = {p.name: p for p in Engine().plugins()}
    assert plugins["builtin-scales"].distribution == "stocktake"
    assert plugins["builtin-rubrics"].distribution == "stocktake"
    assert plugins["builtin-scales"].hooks == ("stocktake_register_scales",)
    assert plugins["builtin-rubrics"].hooks == ("stocktake_register_rubrics",)


def test_third_party_plugin_is_discovered(fake_dist):
    fake_dist("acme-scales", "2.0.1", modules={"acme_scales": SCALE_PLUGIN % "yes-no"},
              entry_points={"acme": "acme_scales"})
    engine = Engine()
    assert "yes-no" in engine.scales()
    info = next(p for p in engine.plugins() if p.name == "acme")
    assert (info.distribution, info.version, info.module) == ("acme-scales", "2.0.1", "acme_scales")


def test_plugin_that_fails_to_import_is_named_with_distribution_and_version(fake_dist):
    fake_dist("broken-plugin", "1.2.3", modules={"broken_mod": "import does_not_exist_anywhere\n"},
              entry_points={"broken": "broken_mod"})
    with pytest.raises(PluginError) as info:
        Engine()
    message = str(info.value)
    assert "plugin 'broken' (distribution broken-plugin 1.2.3)" in message
    assert "failed to import 'broken_mod'" in message
    assert "ModuleNotFoundError" in message
    assert "--disable-plugin broken" in message
    assert info.value.exit_code == ExitCode.PLUGIN_FAILED


def test_broken_plugin_on_the_command_line_exits_3_with_one_line(fake_dist, run):
    fake_dist("broken-plugin", "1.2.3", modules={"broken_mod": "raise RuntimeError('boom')\n"},
              entry_points={"broken": "broken_mod"})
    result = run("rubrics")
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: plugin 'broken' (distribution broken-plugin 1.2.3)")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("marked", [True, False])
def test_misspelt_hook_fails_check_pending(fake_dist, marked):
    """A typo in a hook name must not be silently ignored, marked with @hookimpl or not."""
    decorator = "@hookimpl\n" if marked else ""
    source = f"from stocktake import hookimpl\n\n{decorator}def stocktake_register_rubric(registry):\n    pass\n"
    fake_dist("typo-plugin", "0.3.0", modules={"typo_mod": source}, entry_points={"typo": "typo_mod"})
    with pytest.raises(PluginError) as info:
        Engine()
    message = str(info.value)
    assert "plugin 'typo' (distribution typo-plugin 0.3.0)" in message
    assert "stocktake_register_rubric" in message
    assert "misspelt" in message
    assert "\n" not in message


def test_hookimpl_with_an_argument_the_spec_lacks(fake_dist):
    source = "from stocktake import hookimpl\n\n@hookimpl\ndef stocktake_register_scales(registry, colour):\n    pass\n"
    fake_dist("args-plugin", "1.0", modules={"args_mod": source}, entry_points={"args": "args_mod"})
    with pytest.raises(PluginError) as info:
        Engine()
    assert "plugin 'args' (distribution args-plugin 1.0)" in str(info.value)
    assert "colour" in str(info.value)


def test_duplicate_scale_id_names_both_plugins(fake_dist):
    fake_dist("dup-plugin", "4.5.6", modules={"dup_mod": SCALE_PLUGIN % "delivery"},
              entry_points={"dup": "dup_mod"})
    with pytest.raises(PluginError) as info:
        Engine()
    message = str(info.value)
    assert "plugin 'dup' (distribution dup-plugin 4.5.6)" in message
    assert "registers scale 'delivery', already registered by plugin builtin-scales (stocktake" in message


def test_duplicate_plugin_name_across_distributions(fake_dist):
    fake_dist("one-dist", "1.0", modules={"one_mod": SCALE_PLUGIN % "one"}, entry_points={"same": "one_mod"})
    fake_dist("two-dist", "2.0", modules={"two_mod": SCALE_PLUGIN % "two"}, entry_points={"same": "two_mod"})
    with pytest.raises(PluginError) as info:
        Engine()
    assert "already taken by distribution" in str(info.value)


def test_plugin_raising_in_a_hook_is_named(fake_dist):
    source = "from stocktake import hookimpl\n\n@hookimpl\ndef stocktake_register_scales(registry):\n    raise KeyError('oops')\n"
    fake_dist("raising-plugin", "0.0.1", modules={"raising_mod": source}, entry_points={"raising": "raising_mod"})
    with pytest.raises(PluginError) as info:
        Engine()
    assert "plugin 'raising' (distribution raising-plugin 0.0.1): raised KeyError in stocktake_register_scales" in str(info.value)


def test_invalid_scale_from_a_plugin_is_a_plugin_error(fake_dist):
    source = ("from stocktake import hookimpl\n\n@hookimpl\ndef stocktake_register_scales(registry):\n"
              "    registry.add_scale({'id': 'bad', 'title': 'Bad', 'levels': [{'code': 'A', 'label': 'A', 'score': 1}]})\n")
    fake_dist("badscale-plugin", "1.0", modules={"badscale_mod": source}, entry_points={"badscale": "badscale_mod"})
    with pytest.raises(PluginError) as info:
        Engine()
    assert "registers an invalid scale: $.levels: expected at least 2 item(s), found a list of 1 items" in str(info.value)


def test_disabled_plugin_is_not_imported(fake_dist, run):
    fake_dist("broken-plugin", "1.2.3", modules={"broken_mod": "raise RuntimeError('boom')\n"},
              entry_points={"broken": "broken_mod"})
    engine = Engine(disabled_plugins=["broken"])
    assert "broken" not in {p.name for p in engine.plugins()}
    assert engine.host.disabled == ["broken"]
    assert run("--disable-plugin", "broken", "rubrics").exit_code == 0
    assert run("rubrics", env={"STOCKTAKE_DISABLE_PLUGINS": "broken"}).exit_code == 0
    listing = run("--disable-plugin", "broken", "plugins")
    assert "broken" in listing.stdout and "(disabled)" in listing.stdout


def test_disabling_a_builtin_works_the_same_way(run):
    result = run("--disable-plugin", "builtin-rubrics", "rubrics")
    assert result.exit_code == 0
    assert "delivery-capacity-review" not in result.stdout


def test_disabling_an_unknown_plugin_is_a_usage_error(run):
    with pytest.raises(UsageError, match="no plugin of that name"):
        Engine(disabled_plugins=["no-such-plugin"])
    result = run("--disable-plugin", "no-such-plugin", "plugins")
    assert result.exit_code == 2
    assert "cannot disable 'no-such-plugin'" in result.stderr


def test_each_engine_has_its_own_plugin_manager():
    class Extra:
        @staticmethod
        def stocktake_register_scales(registry):
            registry.add_scale(
                {"id": "extra", "title": "Extra",
                 "levels": [{"code": "A", "label": "A", "score": 2}, {"code": "B", "label": "B", "score": 1}]}
            )

    with_extra = make_engine(("extra", Extra()))
    without = make_engine()
    assert "extra" in with_extra.scales()
    assert "extra" not in without.scales()
    assert with_extra.host is not without.host


def test_importing_the_package_loads_no_plugins():
    code = ("import sys, engine, engine.cli\n"
            "print(sorted(m for m in ('pluggy', 'plugins', 'plugins.builtin_scales', 'importlib.metadata') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pluggy" not in out.stdout and "plugins" not in out.stdout


def test_example_plugin_package_is_discovered_once_installed():
    """tests/example_plugin is pip-installed by `make test`; this proves discovery end to end."""
    import os
    from importlib import metadata

    try:
        metadata.distribution("stocktake-example-plugin")
    except metadata.PackageNotFoundError:
        if os.environ.get("STOCKTAKE_REQUIRE_EXAMPLE_PLUGIN") == "1":
            pytest.fail("stocktake-example-plugin is not installed, but this run requires it")
        pytest.skip("stocktake-example-plugin is not installed (make test installs it)")
    engine = Engine()
    info = next(p for p in engine.plugins() if p.name == "example")
    assert info.distribution == "stocktake-example-plugin"
    assert "dca-five-point" in engine.scales()
    entry = engine.rubric("example-delivery-confidence")
    assert entry.origin.plugin == "example"
    assert entry.rubric.default_scale.codes == ["G", "AG", "A", "AR", "R"]


# -- hooks are pluggy hook calls: wrappers, tryfirst/trylast and ordering work as pluggy documents --


class _Recorder:
    """Plugins that record the order their registration hooks ran in."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def plugin(self, name: str, **marks: bool) -> tuple[str, object]:
        from stocktake import hookimpl

        calls = self.calls

        class Plugin:
            @hookimpl(**marks)
            def stocktake_register_strategies(self, registry):
                calls.append(f"{name}:{registry.plugin}")

        return name, Plugin()


def test_a_wrapper_hook_runs_around_the_others():
    from stocktake import hookimpl
    from stocktake.testing import make_engine

    calls: list[str] = []

    class Wrapping:
        @hookimpl(wrapper=True)
        def stocktake_register_strategies(self, registry):
            calls.append(f"before:{registry.plugin}")
            result = yield
            calls.append(f"after:{registry.plugin}")
            return result

    class Plain:
        @hookimpl
        def stocktake_register_strategies(self, registry):
            calls.append(f"plain:{registry.plugin}")

    make_engine(("wrapping", Wrapping()), ("plain", Plain()), builtins=False)
    assert calls == ["before:wrapping", "plain:plain", "after:wrapping"]


def test_plugins_run_in_name_order_unless_tryfirst_or_trylast():
    from stocktake.testing import make_engine

    recorder = _Recorder()
    make_engine(recorder.plugin("b"), recorder.plugin("a"), recorder.plugin("c"), builtins=False)
    assert recorder.calls == ["a:a", "b:b", "c:c"]
    recorder = _Recorder()
    make_engine(recorder.plugin("a", trylast=True), recorder.plugin("b"), recorder.plugin("c", tryfirst=True),
                builtins=False)
    assert recorder.calls == ["c:c", "b:b", "a:a"]


def test_a_crash_inside_a_wrapper_names_the_wrapping_plugin():
    from stocktake import hookimpl
    from stocktake.testing import make_engine

    class Broken:
        @hookimpl(wrapper=True)
        def stocktake_register_scales(self, registry):
            yield
            raise ValueError("after the others")

    with pytest.raises(PluginError) as info:
        make_engine(("broken-wrapper", Broken()))
    assert str(info.value).startswith("plugin 'broken-wrapper' (registered in-process, no distribution): "
                                      "raised ValueError in stocktake_register_scales: after the others")


# -- defaults are declared by plugins, not by the core --


def test_every_default_is_declared_by_a_builtin_plugin():
    from stocktake.hooks.registry import DEFAULTS
    from stocktake.testing import make_engine

    engine = make_engine()
    assert {kind: origin.plugin for kind, (_, origin) in engine.registry.defaults.items()} == {
        "strategy": "builtin-aggregation", "rule-set": "builtin-rules", "severity-rule-set": "builtin-rules",
        "chain-scale": "builtin-scales"}
    assert set(engine.registry.defaults) == set(DEFAULTS)
    assert engine.default("strategy") == "lower-median"


def test_a_missing_default_names_the_disabled_plugins():
    from stocktake.testing import make_engine

    engine = make_engine(disabled=["builtin-rules"])
    with pytest.raises(UsageError) as info:
        engine.default("rule-set")
    assert str(info.value) == ("no default likelihood rule set (for assessments that name none): disabled plugins: "
                               "builtin-rules (enable the one that provides it); or name one explicitly")


def test_a_second_plugin_declaring_the_same_default_is_named():
    from stocktake import hookimpl
    from stocktake.testing import make_engine

    class Rival:
        @hookimpl
        def stocktake_register_strategies(self, registry):
            registry.declare_default("strategy", "consensus")

    with pytest.raises(PluginError) as info:
        make_engine(("rival", Rival()))
    assert str(info.value).startswith("plugin 'rival' (registered in-process, no distribution): declares the "
                                      "default strategy 'consensus', already declared ('lower-median') by plugin "
                                      "builtin-aggregation")


def test_a_misspelt_hook_is_reported_on_the_plugin_itself(fake_dist):
    source = "def stocktake_regster_rubrics(registry):\n    pass\n"
    fake_dist("typo2-plugin", "0.1", modules={"typo2_mod": source}, entry_points={"typo2": "typo2_mod"})
    with pytest.raises(PluginError) as info:
        Engine()
    assert "<module 'typo2_mod'" in str(info.value) and "0x" not in str(info.value)


def test_a_registrar_kept_after_its_hook_still_registers_for_its_own_plugin():
    from stocktake import hookimpl
    from stocktake.testing import make_engine

    kept = []

    class Keeper:
        @hookimpl
        def stocktake_register_scales(self, registry):
            kept.append(registry)

    engine = make_engine(("keeper", Keeper()))
    kept[0].add_scale({"id": "later", "title": "Later", "levels": [
        {"code": "A", "label": "A", "score": 2}, {"code": "B", "label": "B", "score": 1}]})
    assert engine.registry.scales["later"][1].plugin == "keeper"


def test_chains_are_validated_on_the_declared_chain_scale(tmp_path):
    from stocktake import hookimpl
    from stocktake.core.errors import DocumentError
    from stocktake.testing import make_engine

    class Three:
        @hookimpl
        def stocktake_register_scales(self, registry):
            registry.add_scale({"id": "three", "title": "Three", "levels": [
                {"code": "HI", "label": "High", "score": 3}, {"code": "MID", "label": "Middle", "score": 2},
                {"code": "LO", "label": "Low", "score": 1}]})
            registry.declare_default("chain-scale", "three")

    chain = tmp_path / "chain.yaml"
    chain.write_text(
        "kind: DeliveryChain\nschema_version: 1\nid: c\npriority: p\ntitle: C\n"
        "actors:\n  - {id: a, name: A, level: 0, role: centre}\n  - {id: b, name: B, level: 1, role: front-line}\n"
        "links:\n  - {from: a, to: b, levers: [funding], strength: QQ}\n")
    engine = make_engine(("three", Three()), disabled=["builtin-scales"])
    with pytest.raises(DocumentError) as info:
        engine.chain(chain)
    assert "chain.yaml:10:51: $.links[0].strength: expected a level of scale 'three' (HI, MID or LO) or 'absent', found 'QQ'" in str(info.value)
    chain.write_text(chain.read_text().replace("QQ", "LO"))
    assert engine.chain(chain).judgment.scale == "three"
