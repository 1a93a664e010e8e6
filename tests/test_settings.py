"""Every ROOMCAL_* variable is one field of one settings object, read once at start."""

from __future__ import annotations

import ast
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ui_support import make_app
from wizard.core import i18n
from wizard.core.endpoints import InsecureEndpointError
from wizard.core.settings import Settings, SettingsError

PACKAGE = Path(i18n.__file__).resolve().parents[1]
NAME = "ROOMCAL_"
# Who may look at the process environment at all, and why.
READS_THE_ENVIRONMENT = {
    "core/settings.py": "every ROOMCAL_* variable, once",
    "core/lang.py": "the language: LANGUAGE, LC_ALL, LC_MESSAGES, LANG",
    "core/report.py": "TERM and NO_COLOR for the diagnostic report",
    "providers/exchange/ntlm.py": "NTLM_USER_FILE for pyspnego's NTLM acceptor (sandbox)",
    "app/answers.py": "the secrets' variables an answers file names (ROOMCAL_* ones only)",
    "core/fanout.py": "the worker process's environment: ours, with the package on PYTHONPATH",
    "core/child.py": "a child's PYTHONPATH: this wizard on it, no empty (= cwd) entry",
    "core/tls.py": "SSL_CERT_FILE, SSL_CERT_DIR: which default trust store httpx would read",
}


def _translated(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id in ("_", "N_", "Msg")


def _variable_names(tree: ast.AST) -> list[str]:
    """String constants that are a ROOMCAL_* name, outside the messages people read."""
    inside_messages = {id(n) for call in ast.walk(tree) if _translated(call)
                       for n in ast.walk(call)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value.startswith(NAME) and node.value.replace("_", "").isalnum()
            and id(node) not in inside_messages]


def _reads_environment(tree: ast.AST) -> bool:
    return any((isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"))
               or (isinstance(node, ast.Name) and node.id in ("environ", "getenv"))
               for node in ast.walk(tree))


def test_only_the_settings_read_roomcal_variables() -> None:
    names, readers = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if where != "core/settings.py":
            names += [f"{where}: {name}" for name in _variable_names(tree)]
        if _reads_environment(tree) and where not in READS_THE_ENVIRONMENT:
            readers.append(where)
    assert names == [], "ROOMCAL_* variables belong in wizard/core/settings.py"
    assert readers == [], "read settings from wizard.core.settings.Settings"


def test_the_scanner_finds_a_variable_read() -> None:
    tree = ast.parse('import os\nos.environ.get("ROOMCAL_X")\n_("Set ROOMCAL_Y")\n')
    assert _variable_names(tree) == ["ROOMCAL_X"]
    assert _reads_environment(tree)


def test_every_field_is_one_variable_with_a_description() -> None:
    """Core's fields, then what each provider declares (its settings, its addresses)."""
    from wizard import providers

    variables = Settings.variables()
    declared = [s.field for info in providers.providers()
                for s in (*info.settings, *info.endpoints)]
    assert [v.field for v in variables] == \
        [f.name for f in dataclasses.fields(Settings) if f.name != "provided"] + declared
    assert len({v.name for v in variables}) == len(variables)
    for variable in variables:
        assert variable.name.startswith(NAME) and variable.description, variable
    i18n.set_language("de")
    assert all(i18n._(v.description) != v.description for v in variables)


def test_from_env_reads_every_variable_typed(tmp_path: Path) -> None:
    env = {
        "ROOMCAL_CONFIG_DIR": str(tmp_path / "config"),
        "ROOMCAL_STATE_DIR": str(tmp_path / "state"),
        "ROOMCAL_KEYMAP": " nav.next=ctrl+right , prepare.recheck=f5",
        "ROOMCAL_PASSWORD": "pa ss",
        "ROOMCAL_RELAY_URL": " https://relay.example.com/ ",
        "ROOMCAL_RELAY_TOKEN": "enrollment-token",
        "ROOMCAL_GOOGLE_CLIENT_SECRETS": "~/client.json",
        "ROOMCAL_GRAPH_URL": "https://graph.example/ ",
        "ROOMCAL_CRONOFY_API_URL": "https://proxy.example/{region}",
        "ROOMCAL_AUTODISCOVER_URL": "https://mail.example.local/autodiscover",
        "ROOMCAL_PROVIDERS": " roomcal_acme, other.package ,",
        "UNRELATED": "x",
    }
    settings = Settings.from_env(env)
    assert settings.config_dir == tmp_path / "config"
    assert settings.state_dir == tmp_path / "state"
    assert settings.log_file == tmp_path / "state" / "roomcal.log"
    assert dict(settings.keymap) == {"nav.next": "ctrl+right", "prepare.recheck": "f5"}
    assert settings.password == "pa ss"
    assert (settings.relay_url, settings.relay_token) == \
        ("https://relay.example.com", "enrollment-token")
    assert settings.google_client_secrets == "~/client.json"
    assert settings.providers == ("roomcal_acme", "other.package")
    endpoints = settings.endpoints
    assert endpoints.graph_url == "https://graph.example"
    assert endpoints.cronofy("de")[1] == "https://proxy.example/de"
    assert endpoints.autodiscover_url == "https://mail.example.local/autodiscover"
    assert endpoints.google_token_url == "https://oauth2.googleapis.com/token"  # default kept
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.password = "other"  # type: ignore[misc]


def test_empty_variables_are_unset_and_defaults_need_no_environment() -> None:
    settings = Settings.from_env({"ROOMCAL_PASSWORD": "", "ROOMCAL_CONFIG_DIR": " "})
    assert settings.password == ""
    assert settings.config_dir == Settings().config_dir
    assert settings.config_dir.name == "roomcal"  # the platform's folder for roomcal


def test_secrets_are_not_in_the_repr() -> None:
    settings = Settings.from_env({"ROOMCAL_PASSWORD": "hunter2-secret",
                                  "ROOMCAL_RELAY_TOKEN": "relay-token-secret"})
    assert "hunter2-secret" not in repr(settings)
    assert "relay-token-secret" not in repr(settings)


@pytest.mark.parametrize("url", ["http://relay.example.com", "ftp://relay.example.com",
                                 "https://user:pw@relay.example.com", "relay.example.com",
                                 "https://relay.example.com/?token=x"])
def test_a_relay_address_that_would_expose_the_token_is_one_sentence(url: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"ROOMCAL_RELAY_URL": url})
    assert refused.value.variable == "ROOMCAL_RELAY_URL"
    assert "https://" in str(refused.value.sentence)


@pytest.mark.parametrize("url", ["https://relay.example.com", "http://127.0.0.1:8080",
                                 "http://localhost:8080/"])
def test_a_relay_address_over_https_or_to_this_machine_is_taken(url: str) -> None:
    assert Settings.from_env({"ROOMCAL_RELAY_URL": url}).relay_url == url.rstrip("/")


@pytest.mark.parametrize("keymap", ["nav.next", "=f5", "nav.next=", "nav.next=f5,,x"])
def test_a_malformed_keymap_is_one_sentence(keymap: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"ROOMCAL_KEYMAP": keymap})
    assert "ROOMCAL_KEYMAP" in str(refused.value)


def test_an_http_override_is_refused_where_settings_are_read() -> None:
    with pytest.raises(InsecureEndpointError) as refused:
        Settings.from_env({"ROOMCAL_GOOGLE_TOKEN_URL": "http://proxy.example/token"})
    assert isinstance(refused.value, SettingsError)
    assert refused.value.variable == "ROOMCAL_GOOGLE_TOKEN_URL"


def test_a_bad_setting_is_exit_2_with_one_sentence(tmp_path: Path) -> None:
    env = {**os.environ, "ROOMCAL_KEYMAP": "nav.next"}
    result = subprocess.run([sys.executable, "-m", "wizard", "--lang", "en", "report"],
                            capture_output=True, text=True, env=env, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") <= 2 and "ROOMCAL_KEYMAP" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_profiles_and_the_log_follow_the_settings(tmp_path: Path) -> None:
    """Read once by the command line, passed down: no module looks the folders up itself."""
    env = {**os.environ, "ROOMCAL_CONFIG_DIR": str(tmp_path / "elsewhere" / "config"),
           "ROOMCAL_STATE_DIR": str(tmp_path / "elsewhere" / "state")}
    result = subprocess.run([sys.executable, "-m", "wizard", "--lang", "en", "report",
                             "--profile", "nobody"], capture_output=True, text=True, env=env,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2  # the profile has no calendar service yet
    assert (tmp_path / "elsewhere" / "state" / "roomcal.log").is_file()


async def test_the_tui_takes_its_keymap_from_the_settings() -> None:
    app = make_app(None, settings=Settings(keymap={"app.language": "f6"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        assert i18n.current_language() == "de"


@pytest.mark.parametrize("value", ["roomcal acme", "roomcal-acme", "acme.", "1acme"])
def test_a_provider_that_is_no_module_name_is_one_sentence(value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"ROOMCAL_PROVIDERS": value})
    assert refused.value.variable == "ROOMCAL_PROVIDERS"


def test_one_setting_is_read_alone_as_from_env_reads_it() -> None:
    """The provider registry reads its variable before roomcal reads the rest."""
    env = {"ROOMCAL_PROVIDERS": "roomcal_acme,", "ROOMCAL_KEYMAP": "nav.next"}
    assert Settings.one_from_env("providers", env) == ("roomcal_acme",)
    assert Settings.one_from_env("providers", {}) == ()
    assert Settings.one_from_env("keymap", {}) == {}
    with pytest.raises(SettingsError):
        Settings.one_from_env("keymap", env)
    with pytest.raises(InsecureEndpointError):
        Settings.one_from_env("graph_url", {"ROOMCAL_GRAPH_URL": "http://graph.example"})


def test_the_registry_takes_roomcal_providers_from_the_settings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from wizard import providers

    providers.reload()
    built_in = providers.names()
    # Not importable: read from the environment, listing the providers would fail.
    monkeypatch.setenv("ROOMCAL_PROVIDERS", "roomcal_not_installed")
    providers.use_settings(Settings().providers)  # what dispatch hands over: none
    try:
        assert providers.names() == built_in
        providers.use_settings(("roomcal_not_installed",))
        with pytest.raises(providers.ProviderPackageError):
            providers.names()
    finally:
        providers.reload()


def test_an_unusable_roomcal_providers_is_refused_at_start() -> None:
    env = {**os.environ, "ROOMCAL_PROVIDERS": "roomcal acme"}
    result = subprocess.run([sys.executable, "-m", "wizard", "--lang", "en", "report"],
                            capture_output=True, text=True, env=env, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "ROOMCAL_PROVIDERS" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("", 500), ("0", 0), (" 1200 ", 1200)])
def test_the_room_sample_is_a_count(raw: str, expected: int) -> None:
    assert Settings.from_env({"ROOMCAL_ROOM_SAMPLE": raw}).room_sample == expected


@pytest.mark.parametrize("raw", ["all", "-1", "5.5"])
def test_a_room_sample_that_is_no_count_is_refused_by_name(raw: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"ROOMCAL_ROOM_SAMPLE": raw})
    assert "ROOMCAL_ROOM_SAMPLE" in str(refused.value) and raw in str(refused.value)
