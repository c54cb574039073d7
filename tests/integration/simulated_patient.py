"""A simulated patient: answers the bot's questions over REST from a tumor profile."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

import yaml

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
ASKED_SLOT = {
    response[0]["text"]: name[len("utter_ask_"):]
    for name, response in DOMAIN["responses"].items() if name.startswith("utter_ask_")
}
# A question that explains the choices ("abdomen" can mean ...) asks the same fact again.
ASKED_SLOT.update({response[0]["text"]: "site" for name, response in DOMAIN["responses"].items()
                   if name.startswith("utter_clarify_site_")})
STAGE = re.compile(r"\*\*stage ([IV]+[A-C]?)\*\*")
# The honest answer when a fact is left open: every stage still possible.
POSSIBLE = DOMAIN["responses"]["utter_stage_possible"][0]["text"].split("{")[0].strip()
OPEN = "open"

SITE_WORDS = {
    "trunk_extremity": "it's in my thigh",
    "retroperitoneum": "it's retroperitoneal",
    "uterus": "it's in my uterus",
    "head_neck": "it's in my neck",
    "gi_tract": "it's in my stomach",
}
EXTENT_BUTTON = {
    "uterus": "Only the uterus", "adnexa": "Ovaries or fallopian tubes",
    "pelvic_tissue": "Other tissue in the pelvis", "abdominal_one_site": "One place in the abdomen",
    "abdominal_multiple_sites": "Several places in the abdomen",
    "regional_nodes": "Pelvic or para-aortic lymph nodes", "bladder_or_rectum": "Bladder or rectum",
    "distant": "Distant organs (e.g. lungs)",
}
GRADE_BUTTON = {"1": "Grade 1", "2": "Grade 2", "3": "Grade 3"}


@dataclass
class Profile:
    """The facts of one simulated patient's tumor, and how they open the conversation."""

    site: str
    size_cm: Optional[float] = None
    grade: Optional[str] = None
    nodes: Optional[bool] = None
    metastasis: Optional[bool] = None
    extent: Optional[str] = None
    system: Optional[str] = None
    opening: str = "what stage is my tumour?"
    # What the patient says instead of the answer, the first times a fact is asked
    # ("abdomen", "near my hip", "I don't know yet"), in order.
    first_answers: Dict[str, List[str]] = field(default_factory=dict)

    def facts(self) -> Dict:
        """Returns the facts as knowledge.query.stage_case takes them."""
        return dict(system=self.system, site=self.site, size_cm=self.size_cm, grade=self.grade,
                    nodes=self.nodes, metastasis=self.metastasis, extent=self.extent)


@dataclass
class Conversation:
    """What was said, turn by turn, for a readable failure message."""

    sender: str = field(default_factory=lambda: f"rest-sim-{uuid.uuid4().hex[:10]}")
    turns: List[str] = field(default_factory=list)

    def transcript(self) -> str:
        """Returns the conversation as text."""
        return "\n".join(self.turns)


def answer_for(slot: str, profile: Profile, buttons: List[Dict]) -> str:
    """Returns what the patient says (or the button payload they click) for the slot asked."""
    def click(title: str) -> str:
        return next(b["payload"] for b in buttons if b["title"] == title)

    def yes_no(value: Optional[bool]) -> str:
        return click({True: "Yes", False: "No", None: "Not sure"}[value])

    if slot == "site":
        return SITE_WORDS[profile.site]
    if slot == "size_cm":
        return f"about {profile.size_cm:g} cm" if profile.size_cm is not None else click("I don't know")
    if slot == "grade":
        return click(GRADE_BUTTON.get(profile.grade, "I don't know"))
    if slot == "nodes":
        return yes_no(profile.nodes)
    if slot == "metastasis":
        return yes_no(profile.metastasis)
    if slot == "extent":
        return click(EXTENT_BUTTON[profile.extent]) if profile.extent else click("I don't know")
    raise AssertionError(f"the bot asked for an unexpected slot {slot!r}")


def converse(send: Callable[[str, str], List[Dict]], profile: Profile, max_turns: int = 8,
             conversation: Optional[Conversation] = None, opening: Optional[str] = None):
    """Plays the profile against the bot; returns (stage stated, OPEN or None, Conversation).

    OPEN means the bot said it cannot give a single stage and gave every stage still possible.
    """
    conversation = conversation or Conversation()
    text = opening or profile.opening
    pending = {slot: list(answers) for slot, answers in profile.first_answers.items()}
    for _ in range(max_turns):
        conversation.turns.append(f"patient: {text}")
        replies = send(conversation.sender, text)
        for reply in replies:
            conversation.turns.append(f"bot: {reply.get('text')}")
        stated = [m.group(1) for r in replies for m in [STAGE.search(r.get("text") or "")] if m]
        if stated:
            return stated[-1], conversation
        if any((r.get("text") or "").startswith(POSSIBLE) for r in replies):
            return OPEN, conversation
        asked = [(ASKED_SLOT[r["text"]], r.get("buttons") or []) for r in replies
                 if r.get("text") in ASKED_SLOT]
        if not asked:
            return None, conversation
        slot, buttons = asked[-1]
        text = pending[slot].pop(0) if pending.get(slot) else answer_for(slot, profile, buttons)
    return None, conversation
