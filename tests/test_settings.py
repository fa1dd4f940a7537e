from pathlib import Path

import pytest

from pipelines.settings import Neo4jSettings, read_env_file


@pytest.mark.parametrize(
    ("uri", "local"),
    [
        ("bolt://127.0.0.1:7687", True),
        ("neo4j://localhost:7687", True),
        ("bolt://localhost", True),
        ("neo4j+s://abcd.databases.example.net", False),
        ("bolt://10.1.2.3:7687", False),
        ("bolt://127.0.0.1:7999", False),
    ],
)
def test_is_local(uri: str, local: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_BOLT_PORT", raising=False)
    assert Neo4jSettings(uri, "neo4j", "x", "neo4j").is_local() is local


def test_env_file_parsing(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# comment\nA=1\nB = 'two'\n\nnot a pair\n")
    assert read_env_file(env) == {"A": "1", "B": "two"}


def test_generated_password_is_kept_and_safe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.settings import ensure_local_password

    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    env = tmp_path / ".env"
    first = ensure_local_password(env)
    monkeypatch.delenv("NEO4J_PASSWORD")
    assert ensure_local_password(env) == first
    assert len(first) == 32 and first.isalnum()
    assert oct(env.stat().st_mode)[-3:] == "600"
