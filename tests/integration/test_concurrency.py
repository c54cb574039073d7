"""Fifty patients at once over REST: each gets the stage for their own tumour, and no facts leak."""
import asyncio
import http.client
import re
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import aiohttp
import pytest

pytestmark = pytest.mark.servers

PATIENTS = 50
MAX_TURNS = 8
STAGE_SINGLE = re.compile(r"\*\*stage ([^*]+)\*\*")
STAGES_POSSIBLE = re.compile(r"stages:\s*\*\*([^*]+)\*\*")


@dataclass
class Patient:
    """One simulated patient with a thigh tumour and their conversation."""

    number: int
    size_cm: float
    grade: str
    sender: str = ""
    transcript: List[str] = field(default_factory=list)
    stated: Optional[str] = None

    def opening(self) -> str:
        """Returns the first question, with every fact in it."""
        return f"what stage is a {self.size_cm:g} cm grade {self.grade} tumour in my thigh with no spread?"

    def answer(self, slot: str) -> str:
        """Returns what the patient says when the bot asks for a slot."""
        return {"site": "It is in my leg", "size_cm": f"{self.size_cm:g} cm",
                "grade": f"Grade {self.grade}", "nodes": "No", "metastasis": "No"}[slot]


async def converse(session: aiohttp.ClientSession, url: str, patient: Patient,
                   asked_slot: Dict[str, str], headers: Dict[str, str]) -> None:
    """Talks until the bot states a stage; fills patient.stated and patient.transcript."""
    text = patient.opening()
    for _ in range(MAX_TURNS):
        patient.transcript.append(f"patient: {text}")
        async with session.post(url, json={"sender": patient.sender, "message": text},
                                headers=headers) as reply:
            assert reply.status == 200, f"HTTP {reply.status} for {patient.sender}"
            messages: List[Dict[str, Any]] = await reply.json()
        patient.transcript += [f"bot: {m.get('text')}" for m in messages]
        for message in messages:
            found = STAGE_SINGLE.search(message.get("text") or "") or STAGES_POSSIBLE.search(
                message.get("text") or "")
            if found:
                patient.stated = found.group(1).strip()
                return
        asked = [asked_slot[m["text"]] for m in messages if m.get("text") in asked_slot]
        if not asked:
            return
        text = patient.answer(asked[-1])


def expected_stage(patient: Patient) -> str:
    """Returns what the knowledge base says about the patient's tumour, as the reply shows it."""
    from knowledge import query

    site = "trunk_extremity"
    result = query.stage_case(query.default_system(site), site, patient.size_cm, patient.grade, "no", "no", None)
    return result.stage or ", ".join(result.possible_stages)


async def test_fifty_patients_at_once(bot_stack, sender, tmp_path, monkeypatch):
    # The expected stages come from a private knowledge database built from the same data files.
    monkeypatch.setenv("KNOWLEDGE_DB_URL", f"sqlite:///{tmp_path / 'knowledge.db'}")
    asked_slot = {bot_stack.response_text(f"utter_ask_{slot}"): slot
                  for slot in ("site", "size_cm", "grade", "nodes", "metastasis")}
    patients = [Patient(number=i, size_cm=float(2 + i), grade=str(1 + i % 3), sender=f"{sender}-{i}")
                for i in range(PATIENTS)]
    url = f"{bot_stack.url}/webhooks/rest/webhook"
    limit = asyncio.Semaphore(PATIENTS)

    async def one(session: aiohttp.ClientSession, patient: Patient) -> None:
        async with limit:
            await converse(session, url, patient, asked_slot, bot_stack.auth_headers(patient.sender))

    timeout = aiohttp.ClientTimeout(total=180)
    async with aiohttp.ClientSession(timeout=timeout,
                                     connector=aiohttp.TCPConnector(limit=PATIENTS)) as session:
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(one(session, p) for p in patients), return_exceptions=True), 600)

    errors = [f"{p.sender}: {outcome!r}" for p, outcome in zip(patients, outcomes) if outcome is not None]
    assert not errors, "\n".join(errors)
    wrong = [f"{p.size_cm:g} cm grade {p.grade}: expected {expected_stage(p)!r}, got {p.stated!r}\n"
             + "\n".join(p.transcript) for p in patients if p.stated != expected_stage(p)]
    assert not wrong, f"{len(wrong)} of {PATIENTS} patients got a wrong stage:\n" + "\n\n".join(wrong[:3])
    leaks = [(p.sender, p.size_cm, slots) for p in patients
             for slots in [bot_stack.tracker(p.sender)["slots"]]
             if (slots["size_cm"], slots["grade"]) != (p.size_cm, p.grade)]
    assert not leaks, leaks


def test_the_action_server_keeps_an_idle_connection_longer_than_the_rasa_servers_client(bot_stack):
    # Regression: with Sanic's default keep-alive of 5 s the action server closed idle
    # connections that the Rasa server's client (aiohttp, 15 s) still reused; under load the
    # action call was written into a closing connection and patients got the unavailable notice.
    connection = http.client.HTTPConnection("127.0.0.1", bot_stack.stack.action_port, timeout=30)
    try:
        for attempt in range(2):
            connection.request("GET", "/health")
            response = connection.getresponse()
            response.read()
            assert response.status == 200, f"request {attempt + 1}: HTTP {response.status}"
            if attempt == 0:
                time.sleep(7)  # longer than Sanic's default keep-alive, shorter than aiohttp's
    finally:
        connection.close()
