"""`python -m bot faq`: the knowledge base as a Markdown or HTML FAQ with sources and dates."""
import datetime
import html

import pytest

from bot.__main__ import main
from bot.cli.faq import Entry, Section, render_html, render_markdown


@pytest.fixture(scope="module")
def knowledge_url(tmp_path_factory):
    """Builds a knowledge database in a temporary folder; returns its URL."""
    from knowledge.loader import build

    url = f"sqlite:///{tmp_path_factory.mktemp('knowledge') / 'knowledge.db'}"
    build(url)
    return url


@pytest.fixture
def knowledge(knowledge_url, monkeypatch):
    """Points KNOWLEDGE_DB_URL at the temporary database; returns knowledge.query."""
    from knowledge import query

    monkeypatch.setenv("KNOWLEDGE_DB_URL", knowledge_url)
    return query


def test_markdown_has_every_entry_with_its_source_and_review_date_grouped_by_area(knowledge, capsys):
    assert main(["faq", "--format", "markdown"]) == 0
    out = capsys.readouterr().out

    assert out.startswith("# Leiomyosarcoma and soft tissue sarcoma: questions and answers")
    assert f"newest source is dated {knowledge.knowledge_date()}" in out
    for _, area_title, items in knowledge.areas():
        assert f"## {area_title}\n" in out
        for item in items:
            assert f"### {item.question}\n" in out
            assert f"_{item.source_line}_\n\n_Reviewed {item.reviewed}_" in out
    for heading in ("## Treatment by stage (", "## Treatment by stage for LMS of the uterus (",
                    "## How often it comes back", "## Survival figures"):
        assert heading in out
    assert "### Stage IV\n" in out or "### Stage IVB\n" in out
    assert "### Sarcoma that has come back" in out
    assert knowledge.recurrence_for("uterus").text.split(".")[0] in out
    assert "\n- " in out  # the knowledge base's lists stay lists


def test_html_is_a_standalone_escaped_page(knowledge, tmp_path, capsys):
    output = tmp_path / "faq.html"
    assert main(["faq", "--format", "html", "--output", str(output)]) == 0
    page = output.read_text(encoding="utf-8")

    assert page.startswith("<!doctype html>")
    assert '<html lang="en">' in page and 'name="viewport"' in page
    assert "<script" not in page and "http" not in page.split("<body>")[0]
    first = knowledge.entries()[0]
    assert f"<h3>{html.escape(first.question)}</h3>" in page
    assert html.escape(first.source_line) in page and f"Reviewed {first.reviewed}" in page
    assert "<ul><li>" in page
    assert "Wrote" in capsys.readouterr().err


def test_html_escapes_every_text():
    sections = [Section("Q & A <b>", [Entry("<i>heading</i>", "Text with <script>alert(1)</script>\n- item <img>",
                                            "Source: A & B")])]
    page = render_html(sections, datetime.date(2024, 1, 2), "2023-06-16")

    assert "<script>alert" not in page and "<img>" not in page and "<i>heading" not in page
    assert "Text with &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<li>item &lt;img&gt;</li>" in page
    assert "Source: A &amp; B" in page
    assert "Q &amp; A &lt;b&gt;" in page


def test_markdown_rendering_keeps_paragraphs_and_lists():
    sections = [Section("Topics", [Entry("One", "First line.\n- a\n- b\nLast line.", "Source: X")])]
    text = render_markdown(sections, datetime.date(2024, 1, 2), "2023-06-16")
    assert "### One\n\nFirst line.\n\n- a\n- b\n\nLast line.\n\n_Source: X_\n" in text
    assert "Generated on 2024-01-02" in text


def test_json_exports_every_entry_with_area_question_answer_sources_and_review_date(knowledge, tmp_path):
    import json

    output = tmp_path / "faq.json"
    assert main(["faq", "--format", "json", "--output", str(output)]) == 0
    data = json.loads(output.read_text(encoding="utf-8"))
    assert len(data["entries"]) == len(knowledge.entries()) >= 150
    for entry in data["entries"]:
        assert {"id", "area", "question", "answer", "sources", "reviewed", "covered"} <= set(entry)
        assert entry["sources"] and entry["reviewed"]
    assert "not a doctor" in data["disclaimer"]
    assert data["answers_by_stage_and_site"], "the stage and site answers are exported too"
