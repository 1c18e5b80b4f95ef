"""`whomade kb compile`: the graph in the database, replaced in one go, honouring --db and env."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select

from whomade.db import Base
from whomade.kb import Graph
from whomade.kb.store import (
    KbEntity,
    KbListing,
    KbName,
    KbRelation,
    compile_graph,
    compiled_meta,
    compiled_version,
)


def _counts(db: Path) -> dict[str, int]:
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        return {
            t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar_one()
            for t in tables
            if t.startswith("kb_")
        }


def test_kb_tables_are_prefixed() -> None:
    import whomade.kb.store  # noqa: F401 - registers the tables

    kb_tables = {name for name in Base.metadata.tables if name.startswith("kb_")}
    assert {
        "kb_sources",
        "kb_entities",
        "kb_names",
        "kb_relations",
        "kb_identifiers",
        "kb_lists",
        "kb_listings",
        "kb_meta",
    } <= kb_tables


def test_compile_via_option_and_via_env_into_two_databases(
    run, tmp_path: Path, graph: Graph
) -> None:
    by_option = tmp_path / "a" / "option.sqlite"
    by_env = tmp_path / "b" / "env.sqlite"
    first = run("--db", str(by_option), "kb", "compile")
    assert first.exit_code == 0, first.output
    second = run("kb", "compile", env={"WHOMADE_DB": str(by_env)})
    assert second.exit_code == 0, second.output
    assert str(by_option) in first.output and str(by_env) in second.output
    for db in (by_option, by_env):
        counts = _counts(db)
        assert counts["kb_entities"] == len(graph.entities)
        assert counts["kb_names"] == sum(len(e.names) for e in graph.entities.values())
        assert counts["kb_relations"] == len(graph.relations)
        assert counts["kb_identifiers"] == len(graph.identifiers)
        assert counts["kb_lists"] == len(graph.lists)
        assert counts["kb_listings"] == len(graph.listings)
        assert counts["kb_sources"] == len(graph.sources)
        assert compiled_version(create_engine(f"sqlite:///{db}")) == graph.version
    # The default location (the fixture's $WHOMADE_DB) was not touched by the --db run.
    assert not (tmp_path / "default.sqlite").exists()


def test_recompile_replaces_the_graph(tmp_path: Path, graph: Graph) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    Base.metadata.create_all(engine)
    first = compile_graph(engine, graph)
    second = compile_graph(engine, graph)
    assert first.rows == second.rows
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(KbEntity)) == len(graph.entities)
    meta = compiled_meta(engine)
    assert meta["graph_version"] == graph.version
    assert json.loads(meta["counts"])["kb_relations"] == len(graph.relations)


def test_compiled_rows_keep_the_facts(tmp_path: Path, graph: Graph) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'kb.sqlite'}")
    Base.metadata.create_all(engine)
    compile_graph(engine, graph)
    with engine.connect() as conn:
        rel = conn.execute(
            select(KbRelation).where(KbRelation.id == "rel_lorex_formerly_dahua")
        ).one()
        assert (rel.subject_id, rel.predicate, rel.object_id) == (
            "lorex",
            "formerly_owned_by",
            "dahua",
        )
        assert (rel.valid_from, rel.valid_to, rel.status) == ("2018-02", "2022-11", "established")
        assert rel.data["evidence"][0]["source"]
        hik = conn.execute(select(KbName.entity_id).where(KbName.key == "海康威视")).scalars()
        assert list(hik) == ["hikvision"]
        listed = conn.execute(
            select(KbListing.list_id).where(KbListing.entity_id == "dahua")
        ).scalars()
        assert "us_entity_list" in set(listed)


def test_compile_refuses_a_broken_graph_and_keeps_the_old_one(
    run, tmp_path: Path, data_copy: Path, graph: Graph
) -> None:
    db = tmp_path / "kept.sqlite"
    assert run("--db", str(db), "kb", "compile").exit_code == 0
    (data_copy / "zz_broken.yaml").write_text("relations: [\n", encoding="utf-8")
    result = run("--db", str(db), "kb", "compile", "--data", str(data_copy))
    assert result.exit_code == 1
    assert "zz_broken.yaml:" in result.output
    assert compiled_version(create_engine(f"sqlite:///{db}")) == graph.version


def test_compile_into_an_unusable_path_is_a_clear_error(run, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("--db", str(blocker / "sub" / "db.sqlite"), "kb", "compile")
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_kb_schema_compiles_for_postgresql() -> None:
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateIndex, CreateTable

    import whomade.kb.store  # noqa: F401 - registers the tables

    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    for name, table in Base.metadata.tables.items():
        if not name.startswith("kb_"):
            continue
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert f"CREATE TABLE {name}" in ddl
        for index in table.indexes:
            str(CreateIndex(index).compile(dialect=dialect))
    data_column = str(CreateTable(Base.metadata.tables["kb_relations"]).compile(dialect=dialect))
    assert "data JSON NOT NULL" in data_column
