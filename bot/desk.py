"""The moderators' answer desk: /desk on the page server (a sanic Blueprint).

A moderator pastes a member's question and gets the vetted answer the bot would give, chosen
by the bot's own answer policy (knowledge.answering.plan_question, with the calibrated
threshold of knowledge/data/retrieval.yml), or an honest "no vetted answer" with the areas
the knowledge base covers. Every entry can be browsed by area, and the FAQ downloaded as
markdown, HTML or JSON (bot/cli/faq.py's renderers).

JSON API (GET): /desk/api/search?q=..., /desk/api/areas, /desk/api/entries?area=...
Downloads: /desk/faq.md, /desk/faq.html, /desk/faq.json

Access: open on localhost. A request from another address, or one that came through a proxy
(X-Forwarded-For or Forwarded header), needs DESK_TOKEN: `?token=...` once (which sets an
HttpOnly, SameSite=Strict cookie), or `Authorization: Bearer ...` for scripts. Tokens are
compared in constant time. The words a moderator reads are in bot/web/desk_text.yml,
desk.html and the desk_copy.*.j2 templates.
"""
from __future__ import annotations

import asyncio
import datetime
import hashlib
import hmac
import ipaddress
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from pathlib import Path
from urllib.parse import urlencode

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sanic import Blueprint, response
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)
WEB = Path(__file__).resolve().parent / "web"
COOKIE = "desk_session"
MAX_QUESTION_CHARS = 2000
# Entries the router ranks next, shown to the moderator as titles to look at (never as the answer).
NEARBY_LIMIT = 3
NEARBY_MIN_SCORE = 0.05
FAQ_FORMATS = {"md": ("markdown", "text/markdown; charset=utf-8"),
               "html": ("html", "text/html; charset=utf-8"),
               "json": ("json", "application/json; charset=utf-8")}
STATIC = {"desk.js": "text/javascript; charset=utf-8", "desk.css": "text/css; charset=utf-8"}
DESK_POLICY = "; ".join([
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "connect-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])
# The downloaded FAQ page carries its own <style> and no scripts.
FAQ_HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"

desk = Blueprint("desk", url_prefix="/desk")


@lru_cache(maxsize=1)
def texts() -> dict:
    """Returns the desk's words for moderators (bot/web/desk_text.yml)."""
    return yaml.safe_load((WEB / "desk_text.yml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _templates() -> Environment:
    # Plain text and markdown, not HTML: the page shows them with textContent.
    return Environment(loader=FileSystemLoader(str(WEB)), autoescape=False, undefined=StrictUndefined,
                       keep_trailing_newline=False)


def copy_texts(entry) -> dict:
    """Returns the entry as plain text and as markdown, each with its source line and the not-a-doctor line."""
    values = {"entry": entry, "not_a_doctor": texts()["not_a_doctor"].strip()}
    return {"text": _templates().get_template("desk_copy.txt.j2").render(values).strip() + "\n",
            "markdown": _templates().get_template("desk_copy.md.j2").render(values).strip() + "\n"}


def entry_data(entry, score: float | None = None) -> dict:
    """Returns one entry as the desk shows it: the answer, its sources, reviewed date and copy texts."""
    data = entry.to_dict()
    data["source_line"] = entry.source_line
    data["copy"] = copy_texts(entry)
    if not entry.covered:
        data["note"] = texts()["not_covered_note"].strip()
    if score is not None:
        data["score"] = round(score, 3)
    return data


def area_list() -> list:
    """Returns every area as {id, title, count}, in file order."""
    from knowledge import query

    return [{"id": area, "title": title, "count": len(items)} for area, title, items in query.areas()]


def search(question: str) -> dict:
    """Returns the desk's answer to a question: the bot's vetted answer, or none with what is covered.

    The answer is the one the bot's answer policy picks for a general question (no tumour form:
    a desk answer is never personalised). Entries the router ranks next are listed as titles only.
    """
    from knowledge import answering, query

    plan = answering.plan_question(question, may_personalise=False)
    results = []
    if plan.action != answering.DECLINE and plan.entry is not None:
        results.append(entry_data(plan.entry, plan.score))
    shown = {result["id"] for result in results}
    nearby = [
        {"id": match.entry_id, "question": query.entry(match.entry_id).question, "score": match.score}
        for match in query.question_index().rank(question, limit=NEARBY_LIMIT + 1)
        if match.entry_id not in shown and match.score >= NEARBY_MIN_SCORE][:NEARBY_LIMIT]
    reply = {"query": question, "answered": bool(results), "decision": plan.action,
             "results": results, "nearby": nearby}
    if not results:
        reply["message"] = texts()["no_vetted_answer"].strip()
        reply["covered_intro"] = texts()["covered_intro"]
        reply["areas"] = area_list()
    return reply


def entries_of(area: str) -> dict | None:
    """Returns an area and its entries, or None when there is no such area."""
    from knowledge import query

    for area_id, title, items in query.areas():
        if area_id == area:
            return {"area": {"id": area_id, "title": title, "count": len(items)},
                    "entries": [entry_data(item) for item in items]}
    return None


def one_entry(entry_id: str) -> dict | None:
    """Returns one entry by id, or None."""
    from knowledge import query

    try:
        return entry_data(query.entry(entry_id))
    except KeyError:
        return None


def faq_document(kind: str) -> str:
    """Returns the FAQ rendered by bot/cli/faq.py ("markdown", "html" or "json")."""
    from bot.cli import faq

    sections, knowledge_date = faq.collect_sections()
    return faq.RENDERERS[kind](sections, datetime.date.today(), knowledge_date)


# --- access ---------------------------------------------------------------------------------


def is_local(request) -> bool:
    """Returns whether the request comes straight from this computer (loopback, no proxy in between)."""
    if request.headers.get("x-forwarded-for") or request.headers.get("forwarded"):
        return False
    try:
        return ipaddress.ip_address(request.ip).is_loopback
    except ValueError:
        return False


def cookie_value(token: str) -> str:
    """Returns what the desk's cookie holds for a token: a keyed hash, not the token itself."""
    return hmac.new(token.encode(), b"lms answer desk session", hashlib.sha256).hexdigest()


def _same(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _refusal(request, key: str, status: int):
    message = texts()[key].strip()
    if "/api/" in request.path:
        return response.json({"error": message}, status=status)
    return response.text(message + "\n", status=status)


@desk.on_request
async def require_token(request):
    """Lets local requests through; asks anyone else for DESK_TOKEN."""
    if is_local(request):
        return None
    token = request.app.config.DESK_TOKEN
    if not token:
        return _refusal(request, "token_not_configured", 403)
    authorization = request.headers.get("authorization", "")
    if _same(request.cookies.get(COOKIE), cookie_value(token)) or \
            (authorization.startswith("Bearer ") and _same(authorization[7:].strip(), token)):
        return None
    if _same(request.args.get("token"), token):
        # Take the token out of the address bar (and of later Referer headers and history).
        rest = [(name, value) for name, values in request.args.items() if name != "token" for value in values]
        reply = response.redirect(request.path + (f"?{urlencode(rest)}" if rest else ""), status=303)
        reply.cookies[COOKIE] = cookie_value(token)
        for name, value in (("httponly", True), ("samesite", "Strict"), ("path", "/desk"),
                            ("secure", request.scheme == "https"
                             or request.headers.get("x-forwarded-proto") == "https")):
            reply.cookies[COOKIE][name] = value
        return reply
    return _refusal(request, "token_needed", 401)


@desk.on_response
async def desk_headers(request, reply):
    """The desk's own CSP: scripts, styles and requests to this server only."""
    reply.headers.setdefault("Content-Security-Policy", DESK_POLICY)
    reply.headers["Cache-Control"] = "no-store"


# --- routes ---------------------------------------------------------------------------------


# Ranking is CPU work, and the first ranking builds the question index: one worker thread
# ranks, so the index is never built twice at once. Browsing and downloads do not wait for it.
_ranker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-ranker")


async def _in_thread(function, *args, executor=None):
    return await asyncio.get_running_loop().run_in_executor(executor, partial(function, *args))


def warm_up() -> None:
    """Loads the entries and builds the question index, so the first search is quick."""
    from knowledge import query

    try:
        query.question_index()
        query.condition_gate()
    except SQLAlchemyError:
        logger.warning("The answer desk could not read the knowledge base; "
                       "build it with '.venv/bin/python -m knowledge build'.")


@desk.after_server_start
async def start_warming_up(app, loop):
    """Builds the question index in the background while the page already serves."""
    loop.run_in_executor(_ranker, warm_up)


async def _knowledge_json(function, *args, executor=None):
    try:
        return await _in_thread(function, *args, executor=executor)
    except SQLAlchemyError:
        return None


def _unavailable():
    return response.json({"error": texts()["knowledge_unavailable"].strip()}, status=503)


@desk.route("", methods=["GET", "HEAD"])
async def desk_page(request):
    """The desk page."""
    return response.raw((WEB / "desk.html").read_bytes(), content_type="text/html; charset=utf-8")


def _static_handler(name: str):
    async def desk_static(request):
        """The desk's script or styles."""
        return response.raw((WEB / name).read_bytes(), content_type=STATIC[name])
    return desk_static


for _name in STATIC:
    desk.add_route(_static_handler(_name), f"/{_name}", methods=["GET", "HEAD"], name=_name.replace(".", "_"))


@desk.route("/api/search")
async def api_search(request):
    """Ranked vetted answers to ?q=, or none with the areas covered."""
    question = " ".join((request.args.get("q") or "").split())
    if not question:
        return response.json({"error": texts()["empty_question"]}, status=400)
    if len(question) > MAX_QUESTION_CHARS:
        return response.json({"error": texts()["question_too_long"].strip().format(limit=MAX_QUESTION_CHARS)},
                             status=400)
    reply = await _knowledge_json(search, question, executor=_ranker)
    return response.json(reply) if reply is not None else _unavailable()


@desk.route("/api/areas")
async def api_areas(request):
    """Every area with its number of entries."""
    areas = await _knowledge_json(area_list)
    return response.json({"areas": areas}) if areas is not None else _unavailable()


@desk.route("/api/entries")
async def api_entries(request):
    """The entries of ?area=, or one entry by ?id=."""
    entry_id = request.args.get("id")
    if entry_id:
        found = await _knowledge_json(one_entry, entry_id)
        if found is None:
            return response.json({"error": texts()["unknown_entry"].format(entry=entry_id[:80])}, status=404)
        return response.json({"entries": [found]})
    area = request.args.get("area") or ""
    try:
        found = await _in_thread(entries_of, area)
    except SQLAlchemyError:
        return _unavailable()
    if found is None:
        return response.json({"error": texts()["unknown_area"].format(area=area[:80])}, status=404)
    return response.json(found)


async def faq_download(request, extension: str):
    """The whole FAQ as a file to save (bot/cli/faq.py's renderers)."""
    kind, content_type = FAQ_FORMATS[extension]
    try:
        document = await _in_thread(faq_document, kind)
    except SQLAlchemyError:
        return response.text(texts()["knowledge_unavailable"].strip() + "\n", status=503)
    headers = {"Content-Disposition": f'attachment; filename="lms-faq.{extension}"'}
    if extension == "html":
        headers["Content-Security-Policy"] = FAQ_HTML_POLICY
    return response.text(document, content_type=content_type, headers=headers)


def _faq_handler(extension: str):
    async def download(request):
        """The FAQ in one format."""
        return await faq_download(request, extension)
    return download


for _extension in FAQ_FORMATS:
    desk.add_route(_faq_handler(_extension), f"/faq.{_extension}",
                   methods=["GET", "HEAD"], name=f"faq_{_extension}")
