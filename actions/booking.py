"""The booking form: collect name, contact, time and consent, confirm, then log a handoff.

Asking for a person (request_staff, or "yes" to the staff offer) logs the handoff at once, before the
form's first question (`action_record_staff_request`): the clinic is alerted and staff can take the
conversation over while the patient is still there, even if the form is never finished. That handoff
is one per conversation session (`staff_request_key`); the form's answers, a cancellation or a
refusal of consent are then written into it rather than into a second handoff.
"""

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import history, names
from actions.clarify import FIRST_STEP_SAID
from actions.crisis_handoffs import record_possible_crisis
from clinic import clinic_settings
from clinic.handoffs.contact import display_phone, parse_contact
from clinic.handoffs.service import HandoffReceipt, HandoffRequest, record_handoff, update_open
from clinic.intents import (
    AFFIRM,
    ASK_CONDITION,
    ASK_SUICIDAL_THOUGHTS,
    BOOK_APPOINTMENT,
    BOT_CHALLENGE,
    CANCEL,
    CRISIS,
    DENY,
    FAQ,
    HELP,
    OUT_OF_SCOPE,
    REQUEST_STAFF,
    crisis_guessed,
)
from clinic.questions import asks
from clinic.sms import store as sms_store

FORM = "booking_form"
BOOKING_SLOTS = [
    "contact_name",
    "contact_method",
    "contact_phone",
    "contact_email",
    "contact_time",
    "contact_consent",
    "booking_confirmed",
    "requested_slot",
    FIRST_STEP_SAID,
]
# Messages that are never an answer to a booking question.
ALWAYS_INTERRUPT = {CRISIS, CANCEL, AFFIRM, DENY}
# Messages that interrupt when they read as a question ("how long is an infusion?"), not as an
# answer ("weekday mornings", which the classifier may still call faq/schedule).
QUESTION_INTENTS = {FAQ, OUT_OF_SCOPE, ASK_CONDITION, ASK_SUICIDAL_THOUGHTS, BOT_CHALLENGE, HELP}
NAME_PREFIX = re.compile(r"^(my name is|my name's|name is|i am|i'm|im|it's|its|this is|call me)\s+", re.IGNORECASE)
FIELD_WORDS = {
    "contact_name": ("name",),
    "contact_method": ("phone", "number", "email", "e-mail", "mail", "contact", "cell", "mobile"),
    "contact_time": ("time", "when", "morning", "afternoon", "evening", "day", "hour"),
}
REASONS = {
    BOOK_APPOINTMENT: "Asked to book a consultation",
    REQUEST_STAFF: "Asked to talk to a person",
}
OFFER_ACCEPTED = "Accepted the offer to talk to staff"
RECORD_STAFF_REQUEST = "action_record_staff_request"
CANCELLED_NOTE = "cancelled the contact form before giving details"
NO_CONSENT_NOTE = "did not give permission to be called or emailed"


def staff_request_key(tracker: Tracker) -> Text:
    """The idempotency key of the handoff logged when the person asked for a person: one per session."""
    return f"staff:{tracker.sender_id}:{history.session_started_at(tracker)}"


def staff_requested(tracker: Tracker) -> bool:
    """Whether the person asked for a person in this session (so a handoff already exists)."""
    return history.ran_this_session(tracker, RECORD_STAFF_REQUEST)


def with_unanswered(reason: Text, unanswered: Optional[Text]) -> Text:
    return f"{reason}; unanswered question: {unanswered}" if unanswered else reason


def answer_text(tracker: Tracker) -> Optional[Text]:
    """The latest message as an answer to the form's question, or None if it is an interruption."""
    message = tracker.latest_message
    text = (message.get("text") or "").strip()
    intent = (message.get("intent") or {}).get("name")
    if not text or text.startswith("/") or intent in ALWAYS_INTERRUPT:
        return None
    if intent in QUESTION_INTENTS and asks(text):
        return None
    return text


def reset_booking() -> List[EventType]:
    return [SlotSet(slot, None) for slot in BOOKING_SLOTS]


class ValidateBookingForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_booking_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        # A message that may be a crisis the crisis guard could not confirm, said where the form asks a
        # question ("idk. this is the last form i'm ever filling out"): the reply carries the crisis line and
        # staff are asked to read the conversation, as after an answer (actions/answers.py).
        if crisis_guessed(tracker.latest_message):
            dispatcher.utter_message(response="utter_crisis_line")
            record_possible_crisis(tracker)
        return events

    async def extract_contact_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "contact_name":
            return {}
        text = answer_text(tracker)
        if text is None:
            return {}
        found = names.people(text)
        return {"contact_name": found[0] if found else text}

    def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        name = NAME_PREFIX.sub("", str(value).strip()).strip(" .!")
        if not name or len(name) > 100 or any(ch.isdigit() for ch in name) or "@" in name:
            dispatcher.utter_message(response="utter_invalid_contact_name")
            return {"contact_name": None}
        return {"contact_name": name.title() if name.islower() else name}

    async def extract_contact_method(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "contact_method":
            return {}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.get_latest_input_channel() == "twilio" and intent == AFFIRM:
            # By SMS the question is "Should we call or text you at this number?"
            texting_number = sms_store.phone_for(tracker.sender_id)
            if texting_number:
                return {"contact_method": texting_number}
        text = (tracker.latest_message.get("text") or "").strip()
        has_details = "@" in text or sum(ch.isdigit() for ch in text) >= 7
        # A crisis is never an answer, not even beside a phone number ("my number is 917 555 0192 but i
        # took a whole bottle of tylenol"): the crisis rule answers it.
        if intent == CRISIS or (not has_details and answer_text(tracker) is None):
            return {}
        return {"contact_method": text}

    def validate_contact_method(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        details = parse_contact(str(value))
        if not details.found:
            dispatcher.utter_message(response="utter_invalid_contact_method")
            return {"contact_method": None, "contact_phone": None, "contact_email": None}
        shown = [display_phone(details.phone)] if details.phone else []
        shown += [details.email] if details.email else []
        return {
            "contact_method": " and ".join(shown),
            "contact_phone": details.phone,
            "contact_email": details.email,
        }

    async def extract_contact_time(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "contact_time":
            return {}
        text = answer_text(tracker)
        return {"contact_time": text[:200]} if text else {}

    def validate_contact_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is False:
            # After a request for a person, staff already know and may still answer in the conversation.
            told = staff_requested(tracker)
            dispatcher.utter_message(response="utter_no_consent_staff_told" if told else "utter_no_consent")
            # Completes the form without a confirmation; action_submit_booking logs nothing new (it notes
            # the refusal on the handoff of a request for a person).
            return {"contact_consent": False, "booking_confirmed": False}
        return {"contact_consent": value}

    def validate_booking_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is True:
            return {"booking_confirmed": True}
        field = self._field_to_change(tracker)
        if field is None:
            dispatcher.utter_message(response="utter_which_field")
            return {"booking_confirmed": None}
        cleared = {field: None, "booking_confirmed": None}
        if field == "contact_method":
            cleared.update(contact_phone=None, contact_email=None)
        return cleared

    @staticmethod
    def _field_to_change(tracker: Tracker) -> Optional[Text]:
        named = list(tracker.get_latest_entity_values("booking_field"))
        if named and named[0] in FIELD_WORDS:
            return named[0]
        text = (tracker.latest_message.get("text") or "").lower()
        for field, words in FIELD_WORDS.items():
            if any(re.search(rf"\b{word}", text) for word in words):
                return field
        return None


class ActionAskBookingConfirmed(Action):
    """Reads back a short summary before anything is logged."""

    def name(self) -> Text:
        return "action_ask_booking_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(
            response="utter_booking_summary",
            contact=tracker.get_slot("contact_method"),
        )
        return []


class ActionRecordStaffRequest(Action):
    """The person asked for a person: the handoff (and so the clinic's alert) before the first question."""

    def name(self) -> Text:
        return RECORD_STAFF_REQUEST

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == REQUEST_STAFF:
            reason = REASONS[REQUEST_STAFF]
        else:
            reason = with_unanswered(OFFER_ACCEPTED, history.last_unanswered_question(tracker))
        record_handoff(
            HandoffRequest(
                idempotency_key=staff_request_key(tracker),
                channel=tracker.get_latest_input_channel() or "unknown",
                sender_id=tracker.sender_id,
                reason=reason,
                topics=history.topics_asked(tracker),
            )
        )
        return []


class ActionSubmitBooking(Action):
    def name(self) -> Text:
        return "action_submit_booking"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if not (tracker.get_slot("contact_consent") and tracker.get_slot("booking_confirmed")):
            if staff_requested(tracker):
                update_open(staff_request_key(tracker), {}, reason_note=NO_CONSENT_NOTE)
            return reset_booking()
        receipt = self._record(tracker)
        if not receipt.stored:
            response = "utter_booking_spooled"
        elif clinic_settings.load().booking_url:
            response = "utter_booking_logged_with_link"
        else:
            response = "utter_booking_logged"
        dispatcher.utter_message(response=response, reference=receipt.reference)
        return reset_booking()

    def _record(self, tracker: Tracker) -> HandoffReceipt:
        """The answers go into the handoff logged when the person asked for a person, if this session
        has one still open; otherwise (a booking, or staff closed it already) into a handoff of their own."""
        answers = {
            "reason": self._reason(tracker),
            "topics": history.topics_asked(tracker),
            "consent": True,
            "name": tracker.get_slot("contact_name"),
            "phone": tracker.get_slot("contact_phone"),
            "email": tracker.get_slot("contact_email"),
            "preferred_time": tracker.get_slot("contact_time"),
        }
        updated = update_open(staff_request_key(tracker), answers) if staff_requested(tracker) else None
        return updated or record_handoff(
            HandoffRequest(
                idempotency_key=f"booking:{tracker.sender_id}:{history.latest_message_id(tracker)}",
                channel=tracker.get_latest_input_channel() or "unknown",
                sender_id=tracker.sender_id,
                **answers,
            )
        )

    @staticmethod
    def _reason(tracker: Tracker) -> Text:
        started_by = history.intent_that_started(tracker, FORM)
        reason = REASONS.get(started_by or "", OFFER_ACCEPTED)
        return with_unanswered(reason, history.last_unanswered_question(tracker, before_loop=FORM))


class ActionCancelBooking(Action):
    def name(self) -> Text:
        return "action_cancel_booking"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if staff_requested(tracker):
            # Staff were told when the person asked for a person: the handoff stays, saying so.
            update_open(staff_request_key(tracker), {}, reason_note=CANCELLED_NOTE)
            dispatcher.utter_message(response="utter_booking_cancelled_staff_told")
        else:
            dispatcher.utter_message(response="utter_booking_cancelled")
        return [ActiveLoop(None), *reset_booking()]
