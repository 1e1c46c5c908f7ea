"""compose.yaml and the Dockerfile agree with each other and with PrepLab's settings (no Docker engine runs here):
every PREPLAB_* variable is a setting that parses, the app reaches the postgres service by its name, port, user and
database, the ports, volume and start command are the image's, both services have health checks, and the server
would listen on 0.0.0.0 in compose (accounts on) while the image alone refuses to unless told."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import make_url

from app.accounts.listen import open_listen_refusal
from app.settings import PROJECT_ROOT, Settings

SAMPLE = {"POSTGRES_PASSWORD": "s3cretpw", "PREPLAB_SECRET_KEY": "k" * 64}
_VARIABLE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def substitute(value: str) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, with SAMPLE as the .env file."""
    def one(found: re.Match[str]) -> str:
        name, kind, rest = found.groups()
        if name in SAMPLE:
            return SAMPLE[name]
        assert kind != "?", f"${{{name}}} is required and has no sample value"
        return rest if kind == "-" else ""

    return _VARIABLE.sub(one, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def dockerfile() -> dict[str, list[str]]:
    """Each instruction's arguments, continuation lines joined."""
    text = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    instructions: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            instructions.setdefault(word.upper(), []).append(rest.strip())
    return instructions


def app_environment(compose: dict[str, Any]) -> dict[str, str]:
    return {name: substitute(str(value)) for name, value in compose["services"]["app"]["environment"].items()}


def settings_from(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def image_environment(dockerfile: dict[str, list[str]]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for line in dockerfile["ENV"]:
        for item in shlex.split(line):
            name, _, value = item.partition("=")
            pairs[name] = value
    return pairs


def test_every_preplab_variable_is_a_setting_that_parses(compose: dict[str, Any], dockerfile: dict[str, list[str]],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    environment = {**image_environment(dockerfile), **app_environment(compose)}
    names = {name.removeprefix("PREPLAB_").lower() for name in environment if name.startswith("PREPLAB_")}
    assert names - set(Settings.model_fields) == set(), "compose or the image sets a variable PrepLab does not read"
    settings = settings_from({k: v for k, v in environment.items() if k.startswith("PREPLAB_")}, monkeypatch)
    assert settings.accounts and settings.workers == 4 and settings.secret_key == SAMPLE["PREPLAB_SECRET_KEY"]
    assert open_listen_refusal(settings.host, settings) is None  # 0.0.0.0 with accounts on: allowed


def test_the_app_reaches_the_postgres_service(compose: dict[str, Any]) -> None:
    services = compose["services"]
    url = make_url(app_environment(compose)["PREPLAB_DATABASE_URL"])
    database = {name: substitute(str(value)) for name, value in services["postgres"]["environment"].items()}
    assert url.drivername == "postgresql+psycopg"  # psycopg 3, PrepLab's driver
    assert (url.host, url.port) == ("postgres", 5432) and "postgres" in services
    assert (url.username, url.password, url.database) == (database["POSTGRES_USER"], database["POSTGRES_PASSWORD"],
                                                          database["POSTGRES_DB"])
    assert services["app"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    mounts = {mount.split(":", 1)[1]: mount.split(":", 1)[0] for mount in services["postgres"]["volumes"]}
    assert mounts["/var/lib/postgresql/data"] in compose["volumes"]


def test_ports_volume_and_start_command_are_the_images(compose: dict[str, Any], dockerfile: dict[str, list[str]],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    app = compose["services"]["app"]
    assert app["build"] == "." and (PROJECT_ROOT / "Dockerfile").exists()
    exposed = {int(port) for line in dockerfile["EXPOSE"] for port in line.split()}
    published = [str(port).rsplit(":", 1)[1] for port in app["ports"]]
    assert {int(port) for port in published} <= exposed
    assert all(str(port).startswith("127.0.0.1:") for port in app["ports"]), "publish on loopback, behind a proxy"
    assert int(image_environment(dockerfile)["PREPLAB_PORT"]) in exposed
    volume = shlex.split(dockerfile["VOLUME"][0])[0]
    assert any(mount.endswith(f":{volume}") for mount in app["volumes"])
    command = yaml.safe_load(dockerfile["CMD"][-1])
    health = yaml.safe_load(dockerfile["HEALTHCHECK"][-1].split("CMD", 1)[1])
    for path in (command[0], health[-1], app["healthcheck"]["test"][-1]):
        local = Path(path.replace("/srv/preplab/", str(PROJECT_ROOT) + "/"))
        assert local.is_file(), f"{path} is not in the image (no such file here)"
        assert any(line.split()[0] == local.parent.name for line in dockerfile["COPY"]), f"{path} is not copied"
    assert (PROJECT_ROOT / command[0].removeprefix("/srv/preplab/")).stat().st_mode & 0o111, "start.sh not executable"


def test_the_image_alone_refuses_an_open_address_unless_told(dockerfile: dict[str, list[str]],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    alone = settings_from({k: v for k, v in image_environment(dockerfile).items() if k.startswith("PREPLAB_")},
                          monkeypatch)
    assert not alone.accounts and alone.host == "0.0.0.0"
    assert open_listen_refusal(alone.host, alone) is not None
    told = settings_from({"PREPLAB_ALLOW_OPEN": "1"}, monkeypatch)
    assert open_listen_refusal(told.host, told) is None
