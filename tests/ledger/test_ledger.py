"""The ledger on a real SQLite file and a real PostgreSQL server: recording inline runs,
listing with filters and full-text search, one job's record, export, retention, schema
checks, and clear errors for a wrong, unreachable or read-only database."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from aigc_core.cli.main import cli
from aigc_core.errors import ConfigError
from aigc_core.jobs import utcnow
from aigc_core.ledger import (
    Filters,
    Ledger,
    LedgerEvent,
    LedgerOutdated,
    LedgerRecord,
    LedgerSettings,
    LedgerUnavailable,
    database,
    search,
)
from aigc_core.testing import scripted
from tests.support.demo import ECHO_MODEL, TAGLINE


@pytest.fixture
def ledger(ledger_url: str):
    settings = LedgerSettings(url=ledger_url)
    database.upgrade(database.connect(settings))
    with Ledger.open(settings) as opened:
        yield opened


def taglines(*lines: str) -> str:
    return json.dumps({"taglines": list(lines)})


def run_jobs(make_engine, ledger_url: str, answers: list[tuple[str, str]]):
    """Run one demo.tagline job per (product, answer) on an engine recording into the ledger;
    returns the results in order."""
    engine = make_engine(TAGLINE, ledger={"url": ledger_url})
    results = []
    for product, answer in answers:
        scripted([answer])
        job = engine.make_job("demo.tagline", {"product": product, "count": 2},
                              options={"max_repairs": 0})
        results.append(engine.run(job))
    return results


def test_inline_runs_are_recorded_with_job_result_and_events(make_engine, ledger, ledger_url):
    good, bad = run_jobs(make_engine, ledger_url, [
        ("sourdough bread", taglines("Crust that crackles", "Baked before sunrise")),
        ("oat milk", taglines("Creamy oats")),
    ])
    assert good.ok and not bad.ok
    entries = ledger.list(Filters())
    assert [e.job_id for e in entries] == [bad.job_id, good.job_id]  # newest first
    assert [e.state for e in entries] == ["failed", "succeeded"]
    record = ledger.show(good.job_id)
    assert record.job.input == {"product": "sourdough bread", "count": 2}
    assert record.source == "inline"
    assert record.result == good
    assert [e.kind for e in record.events] == ["started", "succeeded"]
    failed = ledger.show(bad.job_id).result
    assert failed.problems == bad.problems and failed.error == bad.error


def test_filters_search_and_cursor(make_engine, ledger, ledger_url):
    results = run_jobs(make_engine, ledger_url, [
        (f"product {i}", taglines(f"Crust number {i} crackles", f"Tagline {i} sings"))
        for i in range(5)])
    run_jobs(make_engine, ledger_url, [("kale", taglines("Only one"))])
    assert len(ledger.list(Filters(state="succeeded"))) == 5
    assert len(ledger.list(Filters(state="failed"))) == 1
    assert ledger.list(Filters(generator="news.article")) == []
    assert [e.job_id for e in ledger.list(Filters(search="number 3 crackles"))] == [
        results[3].job_id]
    assert ledger.list(Filters(search='"quoted" OR NOT -*')) == []  # never search syntax
    first = ledger.list(Filters(limit=2, state="succeeded"))
    rest = ledger.list(Filters(limit=10, state="succeeded",
                               before=(first[-1].created_at, first[-1].job_id)))
    assert [e.job_id for e in first + rest] == [r.job_id for r in reversed(results)]
    now = utcnow()
    assert len(ledger.list(Filters(since=now - timedelta(minutes=5)))) == 6
    assert ledger.list(Filters(until=now - timedelta(minutes=5))) == []
    assert [r.job.id for r in ledger.export(Filters(limit=3))] == [
        e.job_id for e in ledger.list(Filters(limit=3))]


@pytest.mark.parametrize(("few", "common"), [(10, 40), (2, 40), (0, 40), (10, -1)])
def test_a_search_lists_the_same_jobs_however_many_match(make_engine, ledger, ledger_url,
                                                         monkeypatch, few, common):
    """PostgreSQL lists a search with at most ``search.FEW`` matches from its matches, and
    one with more, or one the planner expects in more than ``search.COMMON`` results, by
    walking jobs: every way gives the same page, newest first, with the other filters and
    the cursor applied (SQLite has one way; it must give the same)."""
    monkeypatch.setattr(search, "FEW", few)
    monkeypatch.setattr(search, "COMMON", common)
    results = run_jobs(make_engine, ledger_url, [
        (f"loaf {i}", taglines(f"Crust {i} crackles", f"Tagline {i} sings")) for i in range(4)])
    run_jobs(make_engine, ledger_url, [("kale", taglines("Only crackles"))])  # fails: 1 line
    newest_first = [r.job_id for r in reversed(results)]
    assert [e.job_id for e in ledger.list(Filters(search="crackles", state="succeeded"))] \
        == newest_first
    first = ledger.list(Filters(search="crust crackles", limit=3))
    assert [e.job_id for e in first] == newest_first[:3]
    rest = ledger.list(Filters(search="crust crackles",
                               before=(first[-1].created_at, first[-1].job_id)))
    assert [e.job_id for e in rest] == newest_first[3:]
    assert ledger.list(Filters(search="nowhere")) == []


def test_writing_the_same_records_twice_adds_nothing(make_engine, ledger, ledger_url):
    [result] = run_jobs(make_engine, ledger_url, [("tea", taglines("Steep and sip", "Leaf"))])
    record = ledger.show(result.job_id)
    again = LedgerRecord(job_id=record.job.id, job=record.job, result=record.result,
                         events=record.events)
    ledger.record([again, again])
    assert ledger.show(result.job_id) == record
    assert len(ledger.list(Filters())) == 1
    # A result whose job was never recorded is kept, with the job its provenance knows.
    orphan = record.result.model_copy(update={"job_id": "orphan-1"})
    ledger.record([LedgerRecord(job_id="orphan-1", result=orphan, source="queue", events=[
        LedgerEvent(key="orphan-1:succeeded", kind="succeeded", at=utcnow())])])
    shown = ledger.show("orphan-1")
    assert shown.job.generator == "demo.tagline" and shown.result == orphan


def test_label_state_filters(make_engine, ledger, ledger_url):
    plain, labelled = run_jobs(make_engine, ledger_url, [
        ("cider", taglines("Crisp and cold", "Pressed from apples")),
        ("perry", taglines("Pear perfection", "Sparkling pears"))])
    label = {"explicit": {"text": "[AI-generated]", "position": "start"}, "implicit": {}}
    ledger.record([LedgerRecord(job_id=labelled.job_id, result=labelled.model_copy(
        update={"job_id": "labelled-1", "metadata": {"ai_label": label}}))])
    assert [e.job_id for e in ledger.list(Filters(labelled=True))] == ["labelled-1"]
    assert {e.job_id for e in ledger.list(Filters(labelled=False))} == {
        plain.job_id, labelled.job_id}
    assert ledger.show("labelled-1").result.metadata == {"ai_label": label}


def test_prune_deletes_only_what_is_older_than_retention(make_engine, ledger, ledger_url):
    run_jobs(make_engine, ledger_url, [("jam", taglines("Spread the joy", "Fruit first"))])
    assert ledger.prune() == 0
    assert ledger.prune(now=utcnow() + timedelta(days=181)) == 1
    assert ledger.list(Filters()) == []


def test_an_empty_postgresql_database_asks_for_an_upgrade(postgres_url):
    settings = LedgerSettings(url=postgres_url.replace("postgresql+psycopg", "postgresql"))
    with pytest.raises(LedgerOutdated, match=r"has no ledger tables.*`aigc ledger upgrade`"):
        Ledger.open(settings)
    Path("aigc.toml").write_text(f'[ledger]\nurl = "{settings.url}"\n')
    status = CliRunner().invoke(cli, ["ledger", "status"])
    assert status.exit_code == 1 and "schema none" in status.output
    upgraded = CliRunner().invoke(cli, ["ledger", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "schema none -> 0005" in upgraded.output
    assert CliRunner().invoke(cli, ["ledger", "status"]).exit_code == 0
    Ledger.open(settings).close()


def test_sqlite_is_created_on_first_use_in_the_data_directory(make_engine, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh"))
    engine = make_engine(TAGLINE)
    scripted([taglines("Hot and fresh", "Out of the oven")])
    result = engine.run(engine.make_job("demo.tagline", {"product": "buns"}))
    assert (tmp_path / "fresh" / "aigc" / "ledger.db").is_file()
    with Ledger.open(LedgerSettings()) as ledger:
        assert ledger.show(result.job_id).result == result


def test_a_wrong_url_names_the_setting():
    with pytest.raises(ConfigError, match=r"ledger\.url: .*expected sqlite:///"):
        database.connect(LedgerSettings(url="not a url"))
    with pytest.raises(ConfigError, match=r"ledger\.url"):
        database.connect(LedgerSettings(url="mysql+nodriver://x/y"))


def test_an_unreachable_server_names_the_setting_and_hides_the_password():
    from tests.support.ports import free_port

    url = f"postgresql://aigc:s3cret@127.0.0.1:{free_port()}/aigc"
    with pytest.raises(LedgerUnavailable) as info:
        Ledger.open(LedgerSettings(url=url))
    message = str(info.value)
    assert "setting ledger.url" in message and "s3cret" not in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
def test_a_read_only_ledger_never_fails_a_job(make_engine, tmp_path, caplog):
    path = tmp_path / "ledger.db"
    Ledger.open(LedgerSettings(url=f"sqlite:///{path}")).close()
    path.chmod(0o444)
    [result] = run_jobs(make_engine, f"sqlite:///{path}", [("figs", taglines("Sweet", "Ripe"))])
    assert result.ok
    assert "ledger.url" in caplog.text and "not recorded" in caplog.text


def test_a_broken_ledger_never_fails_a_job(make_engine, tmp_path, caplog):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    [result] = run_jobs(make_engine, f"sqlite:///{blocked}/ledger.db",
                        [("figs", taglines("Sweet and ripe", "Picked today"))])
    assert result.ok
    assert "ledger.url" in caplog.text and "not recorded" in caplog.text


def test_cli_eval_records_its_inline_jobs_unless_no_log(hello_plugin, tmp_path):
    Path("aigc.toml").write_text(
        f'enable_plugins = ["hello"]\n{ECHO_MODEL}[ledger]\nurl = "sqlite:///{tmp_path}/cli.db"\n')
    dataset = tmp_path / "names.jsonl"
    dataset.write_text('{"name": "Ada"}\n{"name": "Lin"}\n')
    runner = CliRunner()

    def evaluate(*extra: str) -> None:
        ran = runner.invoke(cli, ["eval", "hello.greeting", "-d", str(dataset), "--out",
                                  str(tmp_path / "out"), *extra])
        assert ran.exit_code == 0, ran.output

    def recorded() -> int:
        return len(runner.invoke(cli, ["logs", "--json"]).stdout.splitlines())

    evaluate("--no-log")
    assert recorded() == 0
    evaluate()
    assert recorded() == 2
    queued = runner.invoke(cli, ["eval", "hello.greeting", "-d", str(dataset), "--out",
                                 str(tmp_path / "out"), "--queue", "--no-log"])
    assert queued.exit_code == 2 and "--no-log needs an inline run" in queued.output


def test_cli_generate_records_unless_no_log_and_logs_lists_shows_exports(hello_plugin,
                                                                         tmp_path):
    Path("aigc.toml").write_text(
        f'enable_plugins = ["hello"]\n{ECHO_MODEL}[ledger]\nurl = "sqlite:///{tmp_path}/cli.db"\n')
    runner = CliRunner()
    plain = runner.invoke(cli, ["generate", "hello.greeting", "-p", "name=Ada", "--json"])
    first = json.loads(plain.stdout)["job_id"]
    runner.invoke(cli, ["generate", "hello.greeting", "-p", "name=Lin", "--no-log"])
    listed = runner.invoke(cli, ["logs", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["job_id"] for line in listed.stdout.splitlines()] == [first]
    table = runner.invoke(cli, ["logs", "-g", "hello.greeting"]).stdout
    assert first in table and "hello.greeting" in table
    shown = runner.invoke(cli, ["logs", "show", first])
    assert shown.exit_code == 0, shown.output
    assert "input: " in shown.stdout and "events:" in shown.stdout
    assert "result: succeeded" in shown.stdout and "template hello/greeting.j2" in shown.stdout
    missing = runner.invoke(cli, ["logs", "show", "no-such-job"])
    assert missing.exit_code == 1 and "aigc logs" in missing.output
    exported = runner.invoke(cli, ["logs", "export"]).stdout.splitlines()
    assert [json.loads(line)["job"]["id"] for line in exported] == [first]


def test_an_older_schema_is_refused_then_upgraded_keeping_its_records(make_engine, ledger_url):
    from alembic import command

    engine = database.connect(LedgerSettings(url=ledger_url))
    with engine.begin() as connection:
        command.upgrade(database._config(connection), "0001")
    with engine.begin() as connection:  # a record written by the older aigc
        connection.exec_driver_sql(
            "INSERT INTO jobs (job_id, generator, model, input, options, metadata, source, "
            "created_at) VALUES ('old-1', 'demo.tagline', 'default', '{}', '{}', '{}', "
            "'inline', '2026-01-01 00:00:00')")
    with pytest.raises(LedgerOutdated, match=r"has schema 0001.*`aigc ledger upgrade`"):
        Ledger.open(LedgerSettings(url=ledger_url))
    assert database.upgrade(engine) == ("0001", database.head())
    engine.dispose()
    with Ledger.open(LedgerSettings(url=ledger_url)) as ledger:
        assert ledger.show("old-1").job.generator == "demo.tagline"
        [result] = run_jobs(make_engine, ledger_url, [("tea", taglines("Steep it", "Sip"))])
        assert [e.job_id for e in ledger.list(Filters(search="steep"))] == [result.job_id]


def test_a_jobs_state_moves_forward_across_batches_and_is_listed_by_state(make_engine, ledger,
                                                                          ledger_url):
    [done] = run_jobs(make_engine, ledger_url, [("tea", taglines("Steep and sip", "Leaf"))])
    record = ledger.show(done.job_id)

    def queued(job_id: str) -> LedgerRecord:
        job = record.job.model_copy(update={"id": job_id})
        return LedgerRecord(job_id=job_id, job=job, source="queue", events=[
            LedgerEvent(key=f"{job_id}:queued", kind="queued", at=utcnow())])

    def event(job_id: str, kind: str) -> LedgerRecord:
        return LedgerRecord(job_id=job_id, source="queue", events=[
            LedgerEvent(key=f"{job_id}:{kind}", kind=kind, at=utcnow())])

    def finished(job_id: str) -> LedgerRecord:
        result = record.result.model_copy(update={"job_id": job_id, "status": "failed"})
        return LedgerRecord(job_id=job_id, result=result, source="queue", events=[
            LedgerEvent(key=f"{job_id}:failed", kind="failed", at=utcnow())])

    # One batch per outbox read: the cancel of q-2 and the end of q-3 come after their jobs.
    ledger.record([queued("q-1"), queued("q-2"), queued("q-3")])
    ledger.record([event("q-2", "cancelled"), finished("q-3")])
    # The same entries delivered again (a writer that crashed before acknowledging) and the
    # queued entry replayed after the end: nothing moves back.
    ledger.record([queued("q-3"), queued("q-2"), event("q-2", "cancelled"), finished("q-3")])
    # A job, its start and its cancel all in one batch.
    ledger.record([queued("q-4"), event("q-4", "started"), event("q-4", "cancelled")])

    def listed(state: str) -> list[str]:
        return sorted(entry.job_id for entry in ledger.list(Filters(state=state)))

    assert listed("unfinished") == ["q-1"]
    assert listed("cancelled") == ["q-2", "q-4"]
    assert listed("failed") == ["q-3"]
    assert listed("succeeded") == [done.job_id]
    states = {entry.job_id: entry.state for entry in ledger.list(Filters())}
    assert states == {"q-1": "unfinished", "q-2": "cancelled", "q-3": "failed",
                      "q-4": "cancelled", done.job_id: "succeeded"}
    stats = ledger.stats(utcnow() - timedelta(days=1))
    assert (sum(d.succeeded for d in stats.days), sum(d.failed for d in stats.days),
            sum(d.unfinished for d in stats.days)) == (1, 1, 1)


def test_upgrading_to_0005_fills_each_jobs_state_from_its_records(make_engine, ledger_url):
    from alembic import command

    engine = database.connect(LedgerSettings(url=ledger_url))
    with engine.begin() as connection:
        command.upgrade(database._config(connection), "0004")
    with engine.begin() as connection:  # written by the aigc before 0005
        for job_id in ("done-1", "gone-1", "open-1"):
            connection.exec_driver_sql(
                "INSERT INTO jobs (job_id, generator, model, input, options, metadata, source, "
                f"created_at) VALUES ('{job_id}', 'demo.tagline', 'default', '{{}}', '{{}}', "
                "'{}', 'queue', '2026-01-01 00:00:00')")
        connection.exec_driver_sql(
            "INSERT INTO results (job_id, status, problems, provenance, plugin, plugin_version,"
            " model_id, search_text, finished_at) VALUES ('done-1', 'failed', '[]', '{}', "
            "'demo', '1', 'm', 'text', '2026-01-01 00:00:01')")
        connection.exec_driver_sql(
            "INSERT INTO events (key, job_id, kind, at, detail) VALUES "
            "('gone-1:cancelled', 'gone-1', 'cancelled', '2026-01-01 00:00:01', '{}')")
    database.upgrade(engine)
    engine.dispose()
    with Ledger.open(LedgerSettings(url=ledger_url)) as ledger:
        assert {e.job_id: e.state for e in ledger.list(Filters())} == {
            "done-1": "failed", "gone-1": "cancelled", "open-1": "unfinished"}
        assert [e.job_id for e in ledger.list(Filters(state="cancelled"))] == ["gone-1"]
