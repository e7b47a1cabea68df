"""A database that cannot be used is one red line, never a traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from doorstep.cli.main import app
from doorstep.config import get_settings

Run = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    runner = CliRunner()

    def invoke(url: str, *args: str) -> Result:
        monkeypatch.setenv("DOORSTEP_DATABASE_URL", url)
        get_settings.cache_clear()
        return runner.invoke(app, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


def test_a_url_that_is_no_database_is_named_in_one_line(run: Run, tmp_path: Path) -> None:
    (tmp_path / "not-a-db").write_text("hello")
    cases = {
        "nonsense": "is not a database doorstep can use",
        "foo://bar": "is not a database doorstep can use",
        f"sqlite:///{tmp_path}": "cannot use the database",
        f"sqlite:///{tmp_path / 'not-a-db'}": "file is not a database",
        "postgresql://postgres:secret@127.0.0.1:1/x": "cannot use the database",
    }
    for url, said in cases.items():
        for command in (["stats"], ["db", "upgrade"]):
            result = run(url, *command)
            assert result.exit_code == 1, (url, result.output)
            assert said in result.output, (url, result.output)
            assert "Traceback" not in result.output
            assert "secret" not in result.output


def test_a_database_from_a_newer_version_is_refused_with_its_revision(
    run: Run, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert run(url, "db", "upgrade").exit_code == 0
    with create_engine(url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    for command in (["stats"], ["db", "upgrade"]):
        result = run(url, *command)
        assert result.exit_code == 1
        assert "is at schema revision 0099, which this version of doorstep does not know" in (
            result.output
        )


def test_a_read_only_database_is_one_line_and_leaves_no_stray_folder(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "d.db"
    assert run(f"sqlite:///{path}", "db", "upgrade").exit_code == 0
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run(f"sqlite:///file:{path}?mode=ro&uri=true", "stats")
    assert result.exit_code == 1
    assert "attempt to write a readonly database" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_an_export_from_a_read_only_database_writes_no_file(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    assert run(f"sqlite:///{path}", "db", "upgrade").exit_code == 0
    out = tmp_path / "areas.csv"
    result = run(f"sqlite:///file:{path}?mode=ro&uri=true", "export", "areas", str(out))
    assert result.exit_code == 1
    assert "attempt to write a readonly database" in result.output
    assert not out.exists()


def test_a_proposal_is_not_shown_from_a_database_that_refuses_to_record_the_read(
    run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "d.db"
    assert run(f"sqlite:///{path}", "demo", "--preset", "village").exit_code == 0
    assert run(f"sqlite:///{path}", "pair", "--area", "GZ", "--quiet").exit_code == 0
    shown = run(f"sqlite:///{path}", "pair", "show", "1")
    assert shown.exit_code == 0 and "Paired" in shown.output
    result = run(f"sqlite:///file:{path}?mode=ro&uri=true", "pair", "show", "1")
    assert result.exit_code == 1
    assert "attempt to write a readonly database" in result.output
    assert "Paired" not in result.output
