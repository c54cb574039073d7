"""Asks where the tumour started; after a place that could be several sites, explains the choices instead."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

UNCLEAR_SITE = "site_unclear"


class ActionAskSite(Action):
    """The tumour form's question for the site (Rasa calls action_ask_<slot> when it exists)."""

    def name(self) -> Text:
        """Returns the action name Rasa calls."""
        return "action_ask_site"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        """Returns no events; utters utter_ask_site, or utter_clarify_site_<place> after "abdomen"."""
        unclear = [e.get("value") for e in tracker.latest_message.get("entities", [])
                   if e.get("entity") == UNCLEAR_SITE]
        in_form = tracker.get_slot("requested_slot") == "site"
        if unclear and in_form:
            dispatcher.utter_message(response=f"utter_clarify_site_{unclear[0]}")
        else:
            dispatcher.utter_message(response="utter_ask_site")
        return []
