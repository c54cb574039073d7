"""The loader: idempotent builds, on-demand builds, and data errors that name file and entry."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from knowledge.datafiles import DATA_DIR, DataFileError, read_data
from knowledge.db import engine_for
from knowledge.loader import build, ensure_built
from knowledge.models import Base

ROOT = Path(__file__).resolve().parents[2]


def dump(url):
    """Return every row of every knowledge table, as sorted tuples."""
    engine = engine_for(url)
    with Session(engine) as session:
        return {table.name: sorted(map(repr, session.execute(select(table)).all()))
                for table in Base.metadata.sorted_tables}


@pytest.fixture
def data_copy(tmp_path):
    """Return a writable copy of the data folder."""
    return Path(shutil.copytree(DATA_DIR, tmp_path / "data"))


def edit(path, change):
    content = yaml.safe_load(path.read_text())
    change(content)
    path.write_text(yaml.safe_dump(content, sort_keys=False))


def test_build_twice_gives_the_same_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    first_counts = build(url)
    first = dump(url)
    assert build(url) == first_counts
    assert dump(url) == first
    assert first_counts["knowledge_stage_maps"] > 0 and first_counts["knowledge_entries"] > 0


def test_ensure_built_builds_once_and_rebuilds_when_data_change(tmp_path, data_copy):
    url = f"sqlite:///{tmp_path / 'lazy.db'}"
    assert ensure_built(url, data_copy) is True
    assert ensure_built(url, data_copy) is False
    edit(data_copy / "entries" / "about_lms.yml", lambda c: c["entries"][0].update(answer="Changed text. Still short."))
    assert ensure_built(url, data_copy) is True


def test_shipped_data_is_valid():
    data = read_data()
    assert set(data.rulebook.systems) == {"ajcc7", "ajcc8", "figo2009"}


@pytest.mark.parametrize("filename, change, entry, problem", [
    ("entries/about_lms.yml", lambda c: c["entries"][1].update(sources=[]), "what_is_sarcoma", "sources"),
    ("entries/about_lms.yml", lambda c: c["entries"][2].update(answer=""), "where_lms_occurs", "answer"),
    ("entries/about_lms.yml", lambda c: c["entries"][0].update(sources=["nobody"]), "what_is_lms", "nobody"),
    ("entries/about_lms.yml", lambda c: c["entries"][0].update(reviewed="last spring"), "what_is_lms", "reviewed"),
    ("entries/about_lms.yml", lambda c: c["entries"][0].update(examples=["what is lms"]), "what_is_lms", "examples"),
    ("entries/about_lms.yml", lambda c: c["entries"][0].update(answer="word " * 200), "what_is_lms", "200 words"),
    ("entries/about_lms.yml", lambda c: c["entries"][3].update(id="what_is_lms"), "what_is_lms", "another entry"),
    ("entries/about_lms.yml", lambda c: c["entries"][0].update(names=["ewing"]), "what_is_lms", "covered: false"),
    ("entries/about_lms.yml", lambda c: c["entries"][0].update(names_outrank_covered=True), "what_is_lms",
     "outrank"),
    ("treatment.yml", lambda c: c["entries"][3].pop("group"), "stage_i_other", "group"),
    ("treatment.yml", lambda c: c["stage_groups"]["ajcc7"].pop("IV"), "stage_groups.ajcc7", "IV"),
    ("survival.yml", lambda c: c["tables"][0]["figures"].update(distant=160), "soft_tissue_sarcoma", "percentage"),
    ("recurrence.yml", lambda c: c["entries"][0].pop("years"), "uterus", "years"),
    ("sources.yml", lambda c: c["sources"][0].pop("citation"), "lms_article", "citation"),
    ("sources.yml", lambda c: c["sources"][2].update(part_of="nowhere"), "lms_article_ref2", "part_of"),
    ("sources.yml", lambda c: c["sources"][2].pop("reference"), "lms_article_ref2", "both"),
    ("sources.yml", lambda c: c["sources"][0].pop("references_citation"), "lms_article", "references_citation"),
    ("staging/ajcc7.yml", lambda c: c["tables"]["all_sites"][5].update(stage="V"), "iib", "stage"),
    ("staging/ajcc7.yml", lambda c: c["tables"]["all_sites"].pop(6), "tables.all_sites", "no rule covers"),
    ("staging/ajcc8.yml", lambda c: c["tables"]["trunk_extremity"][5]["when"].update(size_cm=["T2", "T3"]),
     "iiia", "all cover"),
    ("staging/figo2009.yml", lambda c: c["sites"].pop("head_neck"), "sites.head_neck", "site"),
    ("staging/ajcc8.yml", lambda c: c["facts"]["size_cm"]["bins"][1].update(up_to_cm=4), "facts.size_cm.T2",
     "rising"),
    ("staging/ajcc7.yml", lambda c: c["sites"]["uterus"].update(table="all_sites"), "sites.uterus", "exactly one"),
    ("staging/ajcc7.yml", lambda c: c.update(colour="red"), "colour", "extra fields not permitted"),
    ("staging/vocabulary.yml", lambda c: c["messages"].pop("stage_single"), "messages", "stage_single"),
    ("treatment.yml", lambda c: c["entries"][0].update(sites=["moon"]), "overview", "moon"),
    ("treatment.yml", lambda c: c["stage_groups"]["ajcc7"].update(IA="stage_x"), "stage_groups.ajcc7.IA", "stage_x"),
    ("survival.yml", lambda c: c["tables"][0]["figures"].pop("regional"), "soft_tissue_sarcoma", "in that order"),
    ("sources/support.yml", lambda c: c["sources"][0].update(id="lms_article"), "lms_article", "already defined"),
])
def test_broken_entry_names_file_and_entry(data_copy, filename, change, entry, problem):
    edit(data_copy / filename, change)
    with pytest.raises(DataFileError) as caught:
        read_data(data_copy)
    assert caught.value.path.endswith(filename)
    assert caught.value.entry_id == entry
    assert problem in str(caught.value) and filename.split("/")[-1] in str(caught.value)


def test_broken_yaml_names_the_file(data_copy):
    (data_copy / "entries" / "about_lms.yml").write_text("entries: [unclosed\n")
    with pytest.raises(DataFileError, match="about_lms.yml"):
        read_data(data_copy)


def test_broken_data_does_not_touch_the_database(tmp_path, data_copy):
    url = f"sqlite:///{tmp_path / 'safe.db'}"
    build(url)
    before = dump(url)
    edit(data_copy / "entries" / "about_lms.yml", lambda c: c["entries"][0].update(answer=""))
    with pytest.raises(DataFileError):
        build(url, data_copy)
    assert dump(url) == before


def test_build_creates_tables_in_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'fresh.db'}"
    build(url)
    assert inspect(engine_for(url)).has_table("knowledge_entries")


def test_knowledge_does_not_import_rasa():
    code = "import sys, knowledge.query, knowledge.cli; sys.exit('rasa' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def _rule(content, rule_id):
    return next(rule for rule in content["tables"]["all_sites"] if rule["id"] == rule_id)


def test_an_edited_rule_file_is_read_again_not_served_from_the_cache(data_copy):
    from knowledge import datafiles

    assert datafiles.rulebook(data_copy).systems["ajcc7"].tables["all_sites"][5].id == "iib"
    before = datafiles.rulebook(data_copy)
    edit(data_copy / "staging" / "ajcc7.yml",
         lambda c: _rule(c, "iib").update(explanation="an edited explanation of stage IIB"))
    after = datafiles.rulebook(data_copy)
    assert after is not before
    assert {rule.explanation for rule in after.systems["ajcc7"].tables["all_sites"]} >= {
        "an edited explanation of stage IIB"}
    assert datafiles.rulebook(data_copy) is after  # unchanged files: the cached rules


def test_the_engine_stages_with_the_edited_rules_after_reset_cache(data_copy, monkeypatch):
    from knowledge import datafiles, query

    monkeypatch.setattr(datafiles, "DATA_DIR", data_copy)
    query.reset_cache()
    case = dict(system="ajcc7", site="trunk_extremity", size_cm=7, grade="2", nodes=False, metastasis=False)
    assert query.stage_case(**case).stage == "IIB"
    edit(data_copy / "staging" / "ajcc7.yml", lambda c: _rule(c, "iib").update(explanation="edited rule"))
    query.reset_cache()
    assert query.stage_case(**case).explanation.startswith("Edited rule: stage IIB")
    monkeypatch.undo()
    query.reset_cache()


def test_a_staging_file_change_rebuilds_the_stage_maps(tmp_path, data_copy):
    url = f"sqlite:///{tmp_path / 'maps.db'}"
    assert ensure_built(url, data_copy) is True
    edit(data_copy / "staging" / "ajcc7.yml", lambda c: _rule(c, "iib").update(explanation="edited rule"))
    assert ensure_built(url, data_copy) is True
    assert ensure_built(url, data_copy) is False


def test_a_database_of_an_older_shape_is_dropped_and_rebuilt(tmp_path):
    from sqlalchemy import text

    from knowledge.loader import schema_fingerprint

    url = f"sqlite:///{tmp_path / 'old.db'}"
    with engine_for(url).begin() as connection:
        connection.execute(text("CREATE TABLE knowledge_build_info (key VARCHAR(64) PRIMARY KEY, value TEXT)"))
        connection.execute(text("INSERT INTO knowledge_build_info VALUES ('schema', '3')"))
        connection.execute(text("CREATE TABLE staging_rules (id VARCHAR(64) PRIMARY KEY)"))
        connection.execute(text("CREATE TABLE knowledge_entries (id VARCHAR(64) PRIMARY KEY)"))
        connection.execute(text("CREATE TABLE tracker_events (id INTEGER PRIMARY KEY)"))
    assert ensure_built(url) is True
    tables = set(inspect(engine_for(url)).get_table_names())
    assert "staging_rules" not in tables and "tracker_events" in tables
    assert {table.name for table in Base.metadata.sorted_tables} <= tables
    assert ensure_built(url) is False
    with Session(engine_for(url)) as session:
        assert session.scalar(text("SELECT value FROM knowledge_build_info WHERE key = 'schema'")) == schema_fingerprint()
