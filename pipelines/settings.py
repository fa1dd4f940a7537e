"""Connection settings, read from the environment (and a git-ignored ``.env``) at run time.

Secrets never have a default in code: the password comes from ``NEO4J_PASSWORD``, or is
generated once by :func:`ensure_local_password` and kept in ``.env``.
"""

from __future__ import annotations

import os
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = PROJECT_ROOT / ".env"
LOCAL_BOLT_PORT_DEFAULT = 7687
LOCAL_HTTP_PORT_DEFAULT = 7474

PRIVATE_UMASK = 0o077  # files 0600, folders 0700
PASSWORD_ALPHABET = string.ascii_letters + string.digits
NON_SECRET_DEFAULTS = {
    "NEO4J_USERNAME": "neo4j",
    "NEO4J_DATABASE": "neo4j",
}


def read_env_file(path: Path = ENV_FILE) -> dict[str, str]:
    """Parse ``KEY=VALUE`` lines of a dotenv file (comments and blanks ignored)."""
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def load_env(path: Path = ENV_FILE) -> None:
    """Copy ``.env`` values into the process environment without overriding real variables,
    then fill the non-secret defaults (local URI, user name, database)."""
    for key, value in read_env_file(path).items():
        os.environ.setdefault(key, value)
    for key, value in NON_SECRET_DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("NEO4J_URI", f"bolt://127.0.0.1:{local_bolt_port()}")


def make_private(folder: Path) -> None:
    """Create ``folder`` readable by this user only, and have every file this process creates
    from now on be so too: outputs hold account ids, the Neo4j home holds the whole graph."""
    os.umask(PRIVATE_UMASK)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)


def local_bolt_port() -> int:
    return int(os.environ.get("NEO4J_BOLT_PORT", LOCAL_BOLT_PORT_DEFAULT))


def local_http_port() -> int:
    return int(os.environ.get("NEO4J_HTTP_PORT", LOCAL_HTTP_PORT_DEFAULT))


def ensure_local_password(path: Path = ENV_FILE) -> str:
    """Return ``NEO4J_PASSWORD``; when nobody set one, generate it once and keep it in ``.env``."""
    load_env(path)
    if os.environ.get("NEO4J_PASSWORD"):
        return os.environ["NEO4J_PASSWORD"]
    # Letters and digits only: no shell, URL or option-parsing surprises (a leading "-").
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(32))
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    separator = "" if not existing or existing.endswith("\n") else "\n"
    path.write_text(
        existing + separator + "# generated once for the local Neo4j; keep this file private\n"
        f"NEO4J_PASSWORD={password}\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
    os.environ["NEO4J_PASSWORD"] = password
    return password


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and as whom to connect; built from the environment at run time."""

    uri: str
    username: str
    password: str = field(repr=False)  # never in a log or a test report
    database: str = "neo4j"

    @classmethod
    def from_env(cls) -> Neo4jSettings:
        load_env()
        return cls(
            uri=os.environ["NEO4J_URI"],
            username=os.environ["NEO4J_USERNAME"],
            password=os.environ.get("NEO4J_PASSWORD", ""),
            database=os.environ["NEO4J_DATABASE"],
        )

    def is_local(self) -> bool:
        """True when the URI names this machine's loopback at the local Bolt port."""
        hostport = self.uri.split("://", 1)[-1].split("/", 1)[0]
        host, _, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "7687")
        return host in {"127.0.0.1", "localhost", "[::1]"} and int(port or 7687) == (
            local_bolt_port()
        )


ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class EngineSettings:
    """Which engine runs the heavy usage SQL (``ATTRIB_ENGINE``: duckdb, or spark), and for
    Spark its master (``ATTRIB_SPARK_MASTER``: ``local[2]``, or a cluster's ``spark://…``) and
    shuffle partitions (``ATTRIB_SPARK_SHUFFLE_PARTITIONS``; Spark's own default when unset)."""

    engine: str = "duckdb"
    spark_master: str = "local[2]"
    spark_shuffle_partitions: int | None = None

    @classmethod
    def from_env(cls) -> EngineSettings:
        load_env()
        engine = os.environ.get("ATTRIB_ENGINE", "").strip().lower() or cls.engine
        if engine not in ENGINES:
            raise SettingsError(f"ATTRIB_ENGINE={engine!r} names no engine: use one of "
                             f"{', '.join(ENGINES)}.")
        partitions = os.environ.get("ATTRIB_SPARK_SHUFFLE_PARTITIONS", "").strip()
        return cls(engine=engine,
                   spark_master=os.environ.get("ATTRIB_SPARK_MASTER", "").strip()
                   or cls.spark_master,
                   spark_shuffle_partitions=int(partitions) if partitions else None)
