"""The moderators' answer desk (/desk): its API, its downloads and who may open it."""
import json
from types import SimpleNamespace

import pytest
import requests

from bot import desk
from bot.cli import faq
from knowledge import answering, query
from tests.bot import page_server

TOKEN = "desk-secret-for-tests"
PROXIED = {"X-Forwarded-For": "203.0.113.7"}


@pytest.fixture(scope="module")
def desk_url():
    """The page server with a desk token set; requests from this test come from localhost."""
    with page_server.running(socket="http://localhost:5005", desk_token=TOKEN) as url:
        yield url + "/desk"


@pytest.fixture(scope="module")
def open_desk_url():
    """The page server without a desk token."""
    with page_server.running(socket="http://localhost:5005", desk_token="") as url:
        yield url + "/desk"


def search(desk_url, question, **kwargs):
    return requests.get(f"{desk_url}/api/search", params={"q": question}, timeout=300, **kwargs)


def test_the_desk_page_and_its_files_are_served_under_a_strict_policy(desk_url):
    page = requests.get(desk_url, timeout=30)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="en">' in page.text and "<h1>Answer desk</h1>" in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["Cache-Control"] == "no-store"
    for name, kind in (("desk.js", "text/javascript"), ("desk.css", "text/css")):
        reply = requests.get(f"{desk_url}/{name}", timeout=30)
        assert reply.status_code == 200 and reply.headers["Content-Type"].startswith(kind)
    assert requests.get(f"{desk_url}/desk_text.yml", timeout=30).status_code == 404


def test_a_question_gets_the_answer_the_bot_would_give(desk_url):
    entry = next(e for e in query.entries() if e.covered and not e.personalises)
    question = entry.examples[0]
    expected = answering.plan_question(question, may_personalise=False)
    assert expected.action == answering.ANSWER_ENTRY, "pick an example the router answers"

    reply = search(desk_url, question)

    assert reply.status_code == 200
    body = reply.json()
    assert body["answered"] is True and body["decision"] == answering.ANSWER_ENTRY
    first = body["results"][0]
    assert first["id"] == expected.entry_id
    assert first["answer"] == expected.entry.answer
    assert first["sources"] and first["source_line"].startswith("Source: ")
    assert first["reviewed"] == expected.entry.reviewed
    assert all(match["id"] != first["id"] for match in body["nearby"])


def test_copies_carry_the_source_line_and_the_not_a_doctor_line(desk_url):
    entry = query.entries()[0]
    body = search(desk_url, entry.question).json()
    copies = body["results"][0]["copy"]
    not_a_doctor = desk.texts()["not_a_doctor"].strip()
    for text in copies.values():
        assert body["results"][0]["answer"].splitlines()[0] in text
        assert body["results"][0]["source_line"] in text
        assert body["results"][0]["reviewed"] in text
        assert not_a_doctor in text
    assert copies["markdown"].startswith(f"**{body['results'][0]['question']}**")
    assert not copies["text"].startswith("**")


def test_an_uncovered_condition_gets_the_entry_that_says_so(desk_url):
    body = search(desk_url, "what is Ewing sarcoma?").json()
    assert body["answered"] is True
    first = body["results"][0]
    assert first["covered"] is False
    assert first["note"] == desk.texts()["not_covered_note"].strip()


def test_no_vetted_answer_says_so_and_lists_what_is_covered(desk_url):
    body = search(desk_url, "which pizza place near the hospital is open late?").json()
    assert body["answered"] is False and body["decision"] == answering.DECLINE
    assert body["results"] == []
    assert body["message"] == desk.texts()["no_vetted_answer"].strip()
    assert [area["title"] for area in body["areas"]] == [title for _, title, _ in query.areas()]


@pytest.mark.parametrize("question, status", [("", 400), ("   ", 400), ("x" * (desk.MAX_QUESTION_CHARS + 1), 400)])
def test_an_empty_or_huge_question_gets_a_clear_error(desk_url, question, status):
    reply = search(desk_url, question)
    assert reply.status_code == status
    assert reply.json()["error"] in (desk.texts()["empty_question"],
                                     desk.texts()["question_too_long"].strip().format(limit=desk.MAX_QUESTION_CHARS))


def test_hostile_text_comes_back_as_data(desk_url):
    body = search(desk_url, "<script>alert(1)</script> what is a sarcoma?").json()
    assert body["query"] == "<script>alert(1)</script> what is a sarcoma?"


def test_browsing_by_area(desk_url):
    areas = requests.get(f"{desk_url}/api/areas", timeout=60).json()["areas"]
    assert [(a["id"], a["title"], a["count"]) for a in areas] == [
        (area, title, len(items)) for area, title, items in query.areas()]
    first = areas[0]
    body = requests.get(f"{desk_url}/api/entries", params={"area": first["id"]}, timeout=60).json()
    assert body["area"] == first
    assert [e["id"] for e in body["entries"]] == [e.id for e in query.areas()[0][2]]
    assert all(e["copy"]["text"] and e["source_line"] for e in body["entries"])


def test_one_entry_by_id_and_unknown_names(desk_url):
    entry = query.entries()[3]
    body = requests.get(f"{desk_url}/api/entries", params={"id": entry.id}, timeout=60).json()
    assert body["entries"][0]["question"] == entry.question
    for params in ({"id": "no-such-entry"}, {"area": "no-such-area"}, {}):
        reply = requests.get(f"{desk_url}/api/entries", params=params, timeout=60)
        assert reply.status_code == 404 and "error" in reply.json()


def test_the_faq_downloads_use_the_faq_renderers(desk_url):
    sections, knowledge_date = faq.collect_sections()
    markdown = requests.get(f"{desk_url}/faq.md", timeout=120)
    assert markdown.status_code == 200
    assert markdown.headers["Content-Disposition"] == 'attachment; filename="lms-faq.md"'
    assert markdown.text.splitlines()[0] == f"# {faq.PAGE_TITLE}"
    assert markdown.text.count("\n### ") == sum(len(section.entries) for section in sections)

    html = requests.get(f"{desk_url}/faq.html", timeout=120)
    assert html.headers["Content-Type"].startswith("text/html")
    assert html.headers["Content-Security-Policy"] == desk.FAQ_HTML_POLICY
    assert f"<title>{faq.PAGE_TITLE}</title>" in html.text

    data = json.loads(requests.get(f"{desk_url}/faq.json", timeout=120).text)
    assert data["knowledge_date"] == knowledge_date
    assert len(data["entries"]) == len(query.entries())


# --- who may open the desk --------------------------------------------------------------


def test_localhost_needs_no_token(desk_url):
    assert requests.get(desk_url, timeout=30).status_code == 200
    assert requests.get(f"{desk_url}/api/areas", timeout=60).status_code == 200


def test_through_a_proxy_without_a_token_set_the_desk_stays_closed(open_desk_url):
    reply = requests.get(open_desk_url, headers=PROXIED, params={"token": ""}, timeout=30)
    assert reply.status_code == 403
    assert "DESK_TOKEN" in reply.text
    api = requests.get(f"{open_desk_url}/api/areas", headers=PROXIED, timeout=30)
    assert api.status_code == 403 and "DESK_TOKEN" in api.json()["error"]
    # The chat page is for everyone.
    assert requests.get(open_desk_url.replace("/desk", "/"), headers=PROXIED, timeout=30).status_code == 200


def test_through_a_proxy_the_token_is_needed(desk_url):
    assert requests.get(desk_url, headers=PROXIED, timeout=30).status_code == 401
    wrong = requests.get(desk_url, headers=PROXIED, params={"token": TOKEN + "x"}, timeout=30, allow_redirects=False)
    assert wrong.status_code == 401
    assert requests.get(f"{desk_url}/api/search", params={"q": "what is LMS?"}, headers=PROXIED,
                        timeout=30).status_code == 401


def test_a_token_in_the_address_sets_a_strict_cookie_and_leaves_the_address(desk_url):
    reply = requests.get(desk_url, headers=PROXIED, params={"token": TOKEN, "q": "what is LMS?"},
                         timeout=30, allow_redirects=False)
    assert reply.status_code == 303
    assert reply.headers["Location"] == "/desk?q=what+is+LMS%3F"
    cookie = reply.headers["Set-Cookie"]
    assert f"{desk.COOKIE}={desk.cookie_value(TOKEN)}" in cookie
    assert TOKEN not in cookie
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/desk"):
        assert attribute.lower() in cookie.lower()
    again = requests.get(desk_url, headers=PROXIED, cookies={desk.COOKIE: desk.cookie_value(TOKEN)}, timeout=30)
    assert again.status_code == 200
    forged = requests.get(desk_url, headers=PROXIED, cookies={desk.COOKIE: desk.cookie_value("guess")}, timeout=30)
    assert forged.status_code == 401


def test_scripts_can_send_the_token_as_a_bearer(desk_url):
    reply = requests.get(f"{desk_url}/api/areas", headers={**PROXIED, "Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert reply.status_code == 200 and reply.json()["areas"]


@pytest.mark.parametrize("ip, headers, local", [
    ("127.0.0.1", {}, True), ("::1", {}, True), ("192.168.1.20", {}, False),
    ("127.0.0.1", {"forwarded": "for=203.0.113.7"}, False), ("", {}, False)])
def test_what_counts_as_local(ip, headers, local):
    assert desk.is_local(SimpleNamespace(ip=ip, headers=headers)) is local
