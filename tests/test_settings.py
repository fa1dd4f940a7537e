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
