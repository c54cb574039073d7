"""Two Rasa servers behind nginx on PostgreSQL and Redis: nothing lost, spliced or leaked, and faults survived.

The tests run in file order on one cluster (tests/cluster/conftest.py): the fault tests come
after the conversations, a replica is killed in the second-to-last test, and the last one
stops the whole cluster.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
import pytest
import socketio
import sqlalchemy as sa
from rasa.core.lock_store import RedisLockStore
from redis.connection import parse_url

from bot.launcher import port_open
from bot.lock_store import AtomicRedisLockStore

pytestmark = pytest.mark.cluster

PATIENTS = 50
MAX_TURNS = 7
SLOT_ANSWERS = {"site": "It is in my leg", "size_cm": None, "grade": None, "nodes": "No",
                "metastasis": "No"}
DOUBLE_SUBMIT = "thank you"
CLIENT_TIMEOUT = 240
DAY = 24 * 60 * 60
KILL_AFTER_TURNS = 15
ROOT = Path(__file__).resolve().parents[2]
WIDGET_SCRIPT = ROOT / "tests" / "browser" / "widget_test.mjs"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@dataclass
class Turn:
    """One message a patient sent and what came back."""

    text: str
    status: int = 0
    replies: List[str] = field(default_factory=list)
    replica: str = ""
    seconds: float = 0.0


@dataclass
class Patient:
    """A simulated patient with a thigh tumour of a size no other patient has."""

    number: int
    sender: str = ""
    token: str = ""
    turns: List[Turn] = field(default_factory=list)
    double: List[Turn] = field(default_factory=list)

    @property
    def size_cm(self) -> float:
        return float(2 + self.number)

    @property
    def grade(self) -> str:
        return str(1 + self.number % 3)

    def opening(self) -> str:
        """Returns the first question: the size only, so the bot asks for the rest."""
        return f"what stage is a {self.size_cm:g} cm tumour in my thigh?"

    def answer(self, slot: str) -> str:
        """Returns what the patient says when the bot asks for a slot."""
        return SLOT_ANSWERS[slot] or {"size_cm": f"{self.size_cm:g} cm", "grade": f"Grade {self.grade}"}[slot]


async def post_turn(session: aiohttp.ClientSession, url: str, patient: Patient, text: str) -> Turn:
    """Sends one message through nginx; returns the turn with its status, replies and replica."""
    turn = Turn(text)
    started = time.monotonic()
    async with session.post(url, json={"message": text},
                            headers={"Authorization": f"Bearer {patient.token}"}) as reply:
        turn.status = reply.status
        turn.replica = reply.headers.get("X-Rasa-Replica", "")
        if reply.status == 200:
            turn.replies = [message.get("text") or "" for message in await reply.json()]
    turn.seconds = time.monotonic() - started
    return turn


async def converse(session: aiohttp.ClientSession, url: str, patient: Patient,
                   asked_slot: Dict[str, str], double_submit: bool) -> None:
    """Talks until the form has asked for everything, then (maybe) sends one message twice at once."""
    text = patient.opening()
    for _ in range(MAX_TURNS):
        turn = await post_turn(session, url, patient, text)
        patient.turns.append(turn)
        assert turn.status == 200, f"HTTP {turn.status} for {patient.sender}"
        asked = [asked_slot[reply] for reply in turn.replies if reply in asked_slot]
        if not asked:
            break
        text = patient.answer(asked[-1])
    if double_submit:
        patient.double = list(await asyncio.gather(
            post_turn(session, url, patient, DOUBLE_SUBMIT), post_turn(session, url, patient, DOUBLE_SUBMIT)))
        assert all(turn.status == 200 for turn in patient.double), [t.status for t in patient.double]


def stored_turns(events: List[Dict[str, Any]]) -> Tuple[List[Tuple[str, List[str]]], List[str]]:
    """Returns the stored turns as (user text, bot texts) and the splices found.

    A turn runs from a user event to the next action_listen. A user event inside a running
    turn, or a turn that never ends, is a splice: two turns' events interleaved.
    """
    turns: List[Tuple[str, List[str]]] = []
    splices: List[str] = []
    in_turn = False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            if in_turn:
                splices.append(f"user event {event.get('text')!r} inside the turn of {turns[-1][0]!r}")
            turns.append((event.get("text") or "", []))
            in_turn = True
        elif kind == "bot" and turns:
            # Rasa's REST channel sends a text with blank lines as one message per paragraph.
            turns[-1][1].extend((event.get("text") or "").strip().split("\n\n"))
        elif kind == "action" and event.get("name") == "action_listen":
            in_turn = False
    if in_turn:
        splices.append(f"the turn of {turns[-1][0]!r} has no action_listen after it")
    return turns, splices


def check_conversation(cluster, patient: Patient) -> List[str]:
    """Returns what is wrong with one patient's stored conversation (empty when it is right)."""
    problems = []
    turns, splices = stored_turns(cluster.stored_events(patient.sender))
    problems += [f"{patient.sender}: spliced: {splice}" for splice in splices]
    expected = [(turn.text, turn.replies) for turn in patient.turns]
    if turns[: len(expected)] != expected:
        problems.append(f"{patient.sender}: stored turns differ from what the patient saw:\n"
                        f"  sent:   {expected}\n  stored: {turns[:len(expected)]}")
    rest = turns[len(expected):]
    if sorted(rest) != sorted((turn.text, turn.replies) for turn in patient.double):
        problems.append(f"{patient.sender}: the double submit was stored as {rest}, "
                        f"the patient saw {[(t.text, t.replies) for t in patient.double]}")
    return problems


def take_ticket(store, conversation: str, start: threading.Barrier, tickets: List[int]) -> None:
    """Waits for the other thread, then takes a ticket for the conversation into tickets."""
    start.wait()
    tickets.append(store.issue_ticket(conversation, 30))


def test_two_replicas_taking_a_ticket_at_once_get_different_tickets(cluster):
    # Rasa's RedisLockStore reads, changes and writes the lock (GET, SET): two Rasa servers
    # taking a ticket at the same moment may both get the same one, and both run the turn.
    # The project's store does it in a Redis transaction. Each round, two "replicas" (two
    # stores, two threads) take a ticket for a fresh conversation at the same instant.
    redis_url = cluster.cluster.shared_env()["LOCK_STORE_URL"]

    def duplicates(store_class) -> int:
        parts = parse_url(redis_url)
        stores = [store_class(host=parts["host"], port=parts["port"], db=parts["db"]) for _ in range(2)]
        found = 0
        for round_number in range(200):
            conversation = f"race-{store_class.__name__}-{round_number}-{time.monotonic_ns()}"
            start = threading.Barrier(2)
            tickets: List[int] = []
            threads = [threading.Thread(target=take_ticket, args=(store, conversation, start, tickets))
                       for store in stores]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            found += len(tickets) - len(set(tickets))
            stores[0].delete_lock(conversation)
        return found

    assert duplicates(RedisLockStore) > 0, "Rasa's store no longer races: bot/lock_store.py may go"
    assert duplicates(AtomicRedisLockStore) == 0


def test_fifty_conversations_across_replicas_lose_splice_and_leak_nothing(cluster):
    asked_slot = {cluster.response_text(f"utter_ask_{slot}"): slot for slot in SLOT_ANSWERS}
    patients = [Patient(number=i) for i in range(PATIENTS)]
    for patient in patients:
        started = cluster.start_conversation()
        patient.sender, patient.token = started["sender"], started["token"]

    async def run_all() -> List[Optional[BaseException]]:
        timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout,
                                         connector=aiohttp.TCPConnector(limit=2 * PATIENTS)) as session:
            return await asyncio.gather(
                *(converse(session, cluster.rest_url, p, asked_slot, double_submit=p.number % 2 == 0)
                  for p in patients), return_exceptions=True)

    outcomes = asyncio.run(run_all())
    errors = [f"{p.sender}: {outcome!r}" for p, outcome in zip(patients, outcomes) if outcome is not None]
    assert not errors, "\n".join(errors) + "\n" + cluster.logs()

    unavailable = cluster.response_text("utter_service_unavailable")
    all_turns = [turn for p in patients for turn in p.turns + p.double]
    assert not [t for t in all_turns if unavailable in t.replies], "a patient got the unavailable notice"
    # The balancer really spread each conversation over both replicas.
    both = [p for p in patients if len({t.replica for t in p.turns + p.double}) == 2]
    assert len(both) >= PATIENTS // 2, Counter(t.replica for t in all_turns)
    split_doubles = [p for p in patients if p.double and len({t.replica for t in p.double}) == 2]
    assert len(split_doubles) >= 5, "too few double submits reached both replicas to test the lock"
    # Every turn was shorter than the lock's lifetime (else a waiting turn could start early).
    longest = max(t.seconds for t in all_turns)
    assert longest < cluster.lock_lifetime, f"a turn took {longest:.0f} s"

    problems = [problem for p in patients for problem in check_conversation(cluster, p)]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:5])
    leaks = []
    for patient in patients:
        slots = cluster.tracker(patient.sender, replica=patient.number % 2)["slots"]
        if (slots["size_cm"], slots["grade"], slots["site"]) != (patient.size_cm, patient.grade,
                                                                 "trunk_extremity"):
            leaks.append((patient.sender, patient.size_cm, patient.grade,
                          slots["size_cm"], slots["grade"], slots["site"]))
    assert not leaks, leaks
    print(f"\n{PATIENTS} conversations, {len(all_turns)} turns, {len(both)} on both replicas, "
          f"{len(split_doubles)} double submits split, longest turn {longest:.1f} s")


class WidgetSocket:
    """A socket.io client that talks like the web widget (long polling, the page's Origin)."""

    def __init__(self, url: str, origin: str, token: Optional[str] = None) -> None:
        self.url, self.origin, self.token = url, origin, token
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue()
        self.client.on("bot_uttered", self.received.put)

    async def __aenter__(self) -> "WidgetSocket":
        await self.client.connect(self.url, transports=["polling"], wait_timeout=30,
                                  headers={"Origin": self.origin})
        confirmed = asyncio.get_running_loop().create_future()
        self.client.on("session_confirm", confirmed.set_result)
        await self.client.emit("session_request", {"session_id": self.token})
        self.token = await asyncio.wait_for(confirmed, 30)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        # Without abort, the client waits for its pending long-poll request, which the server
        # holds for up to its ping interval (25 s); the tests need not wait for that.
        await self.client.eio.disconnect(abort=True)

    async def say(self, text: str) -> None:
        """Sends one message as the widget does."""
        await self.client.emit("user_uttered", {"message": text, "session_id": self.token})

    async def replies(self, timeout: float = 120, quiet: float = 3.0) -> List[str]:
        """Returns the bot's messages until it has been quiet for a while."""
        messages = [await asyncio.wait_for(self.received.get(), timeout)]
        while True:
            try:
                messages.append(await asyncio.wait_for(self.received.get(), quiet))
            except asyncio.TimeoutError:
                return [message.get("text") or "" for message in messages]


def test_widget_replies_reach_every_socket_of_the_conversation_whichever_replica_sent_them(cluster):
    # Two tabs of one conversation, each held by a different replica: the reply that
    # replica 1 sends must reach the tab on replica 2 too (python-socketio's Redis queue).
    origin = cluster.front_url

    async def talk() -> Tuple[List[str], List[str]]:
        async with WidgetSocket(cluster.rasa_urls[0], origin) as first:
            async with WidgetSocket(cluster.rasa_urls[1], origin, token=first.token) as second:
                await first.say("what is leiomyosarcoma?")
                return await first.replies(), await second.replies(timeout=30)

    on_replica_1, on_replica_2 = asyncio.run(talk())
    assert on_replica_1 and on_replica_2 == on_replica_1


def test_widgets_through_nginx_stay_on_their_replica_for_every_request(cluster):
    # Long polling is many HTTP requests per socket; without sticky sessions most of them
    # would reach a replica that never heard of the socket, and the connection would fail.
    async def one_widget() -> List[str]:
        async with WidgetSocket(cluster.front_url, cluster.front_url) as widget:
            await widget.say("hello")
            return await widget.replies()

    async def four_widgets() -> List[Any]:
        return await asyncio.gather(*(one_widget() for _ in range(4)), return_exceptions=True)

    outcomes = asyncio.run(four_widgets())
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert not failures, failures
    assert all(replies for replies in outcomes)


def test_the_widget_in_chromium_through_nginx_gets_every_reply(cluster):
    # tests/browser/widget_test.mjs, pointed at nginx: the page, the socket.io handshake and
    # long polling (sticky by cookie), the websocket upgrade, a whole staging conversation,
    # and a reload that must bring the conversation back from PostgreSQL.
    node = shutil.which("node")
    assert node, "Node.js is needed for the browser test"
    assert (ROOT / "node_modules" / "playwright-core").is_dir(), "run 'npm ci' first"
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: run 'apt-get install -y chromium'"
    env = dict(os.environ, WIDGET_URL=cluster.front_url, CHROMIUM_PATH=CHROMIUM)
    done = subprocess.run([node, str(WIDGET_SCRIPT)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"


def conversation_with_facts(cluster) -> Tuple[str, str]:
    """Starts a conversation that has given its tumour size; returns (sender, token)."""
    started = cluster.start_conversation()
    reply = cluster.send(started["token"], "what stage is a 9 cm tumour in my thigh?")
    assert reply.status_code == 200
    return started["sender"], started["token"]


def test_with_redis_stopped_patients_get_the_notice_and_recover(cluster):
    sender, token = conversation_with_facts(cluster)
    before = cluster.stored_events(sender)
    redis = cluster.cluster.process("Redis")
    cluster.cluster.stop_process(redis)
    try:
        unavailable = cluster.response_text("utter_service_unavailable")
        for _ in range(2):  # once on each replica (round robin)
            reply = cluster.send(token, "Grade 2")
            assert reply.status_code == 200
            assert [m.get("text") for m in reply.json()] == [unavailable]
        assert cluster.stored_events(sender) == before, "a turn without its lock changed the conversation"
    finally:
        cluster.cluster.start_process(redis)
    for _ in range(2):
        reply = cluster.send(token, "Grade 2")
        assert reply.status_code == 200
        assert unavailable not in [m.get("text") for m in reply.json()]
    turns, splices = stored_turns(cluster.stored_events(sender))
    assert not splices
    assert [text for text, _ in turns] == ["what stage is a 9 cm tumour in my thigh?", "Grade 2", "Grade 2"]
    assert cluster.tracker(sender)["slots"]["grade"] == "2"


def test_postgresql_down_gives_the_notice_and_after_a_restart_the_servers_reconnect(cluster):
    sender, token = conversation_with_facts(cluster)
    postgres = cluster.cluster.process("PostgreSQL")
    unavailable = cluster.response_text("utter_service_unavailable")
    cluster.cluster.stop_process(postgres)
    try:
        for _ in range(2):  # once on each replica: the notice, not an answer without the conversation
            reply = cluster.send(token, "Grade 1")
            assert reply.status_code == 200
            assert [m.get("text") for m in reply.json()] == [unavailable]
    finally:
        cluster.cluster.start_process(postgres)
    sent = ["Grade 3", "No", "No"]
    replicas = set()
    for text in sent:
        reply = cluster.send(token, text)
        assert reply.status_code == 200
        assert unavailable not in [m.get("text") for m in reply.json()]
        replicas.add(reply.headers.get("X-Rasa-Replica"))
    assert replicas == {"rasa-1", "rasa-2"}
    turns, splices = stored_turns(cluster.stored_events(sender))
    assert not splices
    # Stored in PostgreSQL, on the conversation it continues (not a fresh one in memory).
    assert [text for text, _ in turns] == ["what stage is a 9 cm tumour in my thigh?", *sent]
    slots = cluster.tracker(sender, replica=1)["slots"]
    assert (slots["size_cm"], slots["grade"]) == (9.0, "3")


def test_one_retention_job_deletes_idle_conversations_for_the_whole_cluster(cluster):
    # The job sweeps every few seconds here (RETENTION_SWEEP_MINUTES in conftest.py); the
    # replicas never sweep (RETENTION_IN_RASA_SERVER=0).
    idle = f"rest-idle-{time.monotonic_ns()}"
    event = {"event": "action", "name": "action_listen", "timestamp": time.time() - 40 * DAY}
    with cluster.engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO events (sender_id, type_name, timestamp, action_name, data) "
                    "VALUES (:sender, 'action', :timestamp, 'action_listen', :data)"),
            {"sender": idle, "timestamp": event["timestamp"], "data": json.dumps(event)})
    deadline = time.monotonic() + 60
    while cluster.stored_events(idle) and time.monotonic() < deadline:
        time.sleep(1)
    assert not cluster.stored_events(idle), "the idle conversation was not deleted within a minute"
    logs = {path.name: path.read_text(errors="replace") for path in cluster.cluster.log_dir.glob("*.log")}
    assert "Deleted 1 conversation(s) idle for more than 30 days." in logs["retention_job.log"]
    assert not [name for name, text in logs.items()
                if name.startswith("Rasa_server") and "conversation(s) idle for more than" in text]


def test_when_a_replica_is_killed_conversations_go_on_and_no_completed_turn_is_lost(cluster):
    patients = [Patient(number=100 + i) for i in range(12)]
    for patient in patients:
        started = cluster.start_conversation()
        patient.sender, patient.token = started["sender"], started["token"]
    asked_slot = {cluster.response_text(f"utter_ask_{slot}"): slot for slot in SLOT_ANSWERS}
    completed = 0
    killed = threading.Event()

    async def talk(session: aiohttp.ClientSession, patient: Patient) -> None:
        nonlocal completed
        text = patient.opening()
        for _ in range(MAX_TURNS):
            for _attempt in range(3):  # a turn cut off by the kill is sent again
                try:
                    turn = await post_turn(session, cluster.rest_url, patient, text)
                except aiohttp.ClientError:
                    continue
                if turn.status == 200:
                    break
            assert turn.status == 200, f"HTTP {turn.status} for {patient.sender} after retries"
            patient.turns.append(turn)
            completed += 1
            if completed == KILL_AFTER_TURNS and not killed.is_set():
                killed.set()
                victim = cluster.cluster.process("Rasa server 2").popen
                victim.send_signal(signal.SIGKILL)
            asked = [asked_slot[reply] for reply in turn.replies if reply in asked_slot]
            if not asked:
                return
            text = patient.answer(asked[-1])

    async def run_all() -> List[Optional[BaseException]]:
        timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            return await asyncio.gather(*(talk(session, p) for p in patients), return_exceptions=True)

    outcomes = asyncio.run(run_all())
    assert killed.is_set(), "the run ended before the replica was killed"
    assert cluster.cluster.process("Rasa server 2").popen.poll() is not None
    errors = [f"{p.sender}: {outcome!r}" for p, outcome in zip(patients, outcomes) if outcome is not None]
    assert not errors, "\n".join(errors)
    after_kill = [t for p in patients for t in p.turns[-2:] if t.replica == "rasa-1"]
    assert after_kill, "no turn went to the surviving replica"
    lost = []
    for patient in patients:
        turns, splices = stored_turns(cluster.stored_events(patient.sender))
        assert not splices, (patient.sender, splices)
        # Every turn the patient saw answered is stored, in order (a turn cut off by the kill
        # and sent again may be stored twice, if the replica died after saving it).
        stored = iter(turns)
        for turn in patient.turns:
            if not any(item == (turn.text, turn.replies) for item in stored):
                lost.append((patient.sender, turn.text))
    assert not lost, lost
    print(f"\n{completed} turns completed; Rasa server 2 killed after {KILL_AFTER_TURNS}")


def test_stopping_the_cluster_leaves_no_process_behind(cluster):
    # Runs last: stops the whole cluster (the fixture's own stop then has nothing left to do).
    groups = [process.popen.pid for process in cluster.cluster.started if process.popen is not None]
    ports = [process.port for process in cluster.cluster.started if process.port]
    cluster.engine.dispose()  # the test's own connections to PostgreSQL
    cluster.cluster.stop()
    left = []
    for group in groups:
        try:
            os.killpg(group, 0)  # raises when no process of the group is left
            left.append(group)
        except ProcessLookupError:
            pass
    assert not left, f"process groups still alive after stop(): {left}"
    assert not [port for port in ports if port_open(port)], "a port is still open after stop()"
