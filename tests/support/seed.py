"""A test database seeded with the conversations the staff console's tests look at, written straight
into it as the servers would have written them, so those tests need neither the trained model nor
running servers (Flask's own tutorial seeds its tests' database with `data.sql` the same way).

- Conversations are Rasa's own events (`rasa.shared.core.events`) on a `DialogueStateTracker`, saved
  through the project's tracker store (`clinic.tracker_store`, Rasa's `SQLTrackerStore`): the rows of
  the `events` table are serialised by Rasa itself. They follow what the servers store for the same
  messages: session start, the user message with its parse data, the rule's action, the bot's reply
  rendered from the responses (domain.yml, data/responses/) by the project's NLG (`clinic.responses`,
  clinic details and office hours filled in), the booking form's loop and slots, `action_listen`.
  tests/staff/test_console.py checks them against what the real servers store for `MESSAGES`.
- Handoffs are recorded by `clinic.handoffs.service.record_handoff`, as the booking and crisis actions
  record them (with their alert-outbox rows); the SMS sender by the SMS channel's model.
- An administrator account (STAFF_USER, STAFF_PASSWORD) is made as `make staff-user` makes it.

`seed(url)` fills a migrated database and says which conversation and handoff is which (`Filled`).
"""

import asyncio
import dataclasses
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from actions.booking import BOOKING_SLOTS, FORM, REASONS
from actions.crisis_handoffs import REASON as CRISIS_REASON
from clinic.channels.sms import twiml
from clinic.db import engine_for, forget_engines, session_scope
from clinic.handoffs import kinds
from clinic.handoffs.service import HandoffRequest, record_handoff
from clinic.intents import AFFIRM, BOOK_APPOINTMENT, CRISIS, FALLBACK_INTENT, FAQ, OFFER_ENTITY, OUT_OF_SCOPE
from clinic.responses import ClinicResponses
from clinic.sms.models import SmsMessage, SmsSender
from clinic.sms.store import sender_id_for
from clinic.topics import needs_staff
from staff import accounts
from tests.handoff_db import copy_sqlite
from tests.support.database import DOMAIN, save_tracker
from tests.support.processes import ROOT
from tests.support.staff_console import Console

NLG = ClinicResponses(domain=DOMAIN)
# What the Rasa server adds to every event's metadata: its model's id, config.yml's assistant_id.
ASSISTANT_ID = yaml.safe_load((ROOT / "config.yml").read_text())["assistant_id"]
SERVER_METADATA = {"model_id": "seeded", "assistant_id": ASSISTANT_ID}
RULE = "RulePolicy"

STAFF_USER = "alice.staff"
STAFF_PASSWORD = Console.PASSWORD
SMS_PHONE = "+14155559876"
BOOKING_PHONE = "415 555 2671"
SCRIPT_TAG = "<script>alert(1)</script>"
BOLD_TAG = "<b>bold</b>"
FORMULA = "=1+2 is that right?"

# What each conversation's patient says: seeded here, and sent to the real servers by the end-to-end tests.
MESSAGES: Dict[str, List[str]] = {
    "booking": ["how long does one infusion take?", "I'd like to book a consultation", "Maria Lopez",
                BOOKING_PHONE, "weekday afternoons", "yes", "yes"],
    "crisis": ["hello", "i dont want to live anymore"],
    "cost1": ["How much does it cost?"],
    "cost2": ["how much   does it COST"],
    "escape": [SCRIPT_TAG, BOLD_TAG, FORMULA],
    "sessions": ["how long does one infusion take?", "/session_start", "r boosters needed"],
}
SMS_MESSAGES = ["how many infusions will i need"]


@dataclass
class Filled:
    """A filled database: its URL, the conversation id of each conversation, the reference of each handoff."""

    url: str
    senders: Dict[str, str] = field(default_factory=dict)
    references: Dict[str, str] = field(default_factory=dict)


class Conversation:
    """One conversation's events, in the order the Rasa server adds them to the tracker."""

    def __init__(self, sender_id: str, channel: str = "rest"):
        self.tracker = DialogueStateTracker(sender_id, DOMAIN.slots)
        self.channel = channel

    def add(self, *events: Event) -> None:
        for event in events:
            event.metadata = {**(event.metadata or {}), **SERVER_METADATA}
            self.tracker.update(event)

    def start(self) -> None:
        """A new session, as `action_session_start` begins one."""
        self.add(ActionExecuted("action_session_start", confidence=1.0), SessionStarted(),
                 ActionExecuted("action_listen"))

    def user(self, text: str, intent: str, confidence: float, answer: Optional[str] = None,
             entities: Optional[List[Dict[str, Any]]] = None, **slots: Any) -> str:
        """The patient's message as NLU parsed it (`answer`: the retrieval intent's answer, faq/boosters);
        `slots`: slots its intent fills. Returns its message id."""
        message_id = uuid.uuid4().hex
        parsed: Dict[str, Any] = {"name": intent, "confidence": confidence}
        parse_data: Dict[str, Any] = {"intent": parsed, "entities": entities or [], "text": text,
                                      "message_id": message_id, "metadata": {}, "intent_ranking": [parsed]}
        if answer:
            parsed["full_retrieval_intent_name"] = None
            selected = {"responses": None, "confidence": confidence, "intent_response_key": answer,
                        "utter_action": f"utter_{answer}"}
            parse_data["response_selector"] = {
                "all_retrieval_intents": [FAQ, OUT_OF_SCOPE],
                "default": {"response": selected, "ranking": [{"id": None, "confidence": confidence,
                                                               "intent_response_key": answer}]},
            }
        self.add(UserUttered(text, parsed, parse_data["entities"], parse_data, input_channel=self.channel,
                             message_id=message_id))
        self.add(*(SlotSet(name, value) for name, value in slots.items()))
        self.add(DefinePrevUserUtteredFeaturization(False))
        return message_id

    def act(self, action: str) -> None:
        """An action a rule predicted."""
        self.add(ActionExecuted(action, policy=RULE, confidence=1.0, hide_rule_turn=True))

    def say(self, response: str, by_action: bool = False, **values: Any) -> None:
        """The bot's reply: the response rendered by the Rasa server's NLG, stored as Rasa's
        `create_bot_utterance` stores it (not imported: its module loads TensorFlow). `by_action`: sent
        by a custom action (`dispatcher.utter_message(response=..., **values)`), which Rasa's metadata shows."""
        message = asyncio.run(NLG.generate(response, self.tracker, self.channel, **values))
        assert message is not None, f"no response {response} in the domain"
        message["utter_action"] = response
        if by_action:
            message.update(template=response, **values)
        data = {key: message.pop(key, None) for key in ("elements", "quick_replies", "buttons", "attachment",
                                                        "image", "custom")}
        data["attachment"] = data["attachment"] or data["image"]
        self.add(BotUttered(message.pop("text", None), data, message))

    def reply(self, action: str, response: Optional[str] = None, **values: Any) -> None:
        """An action that sends one response (`utter_faq`, whose answer is `utter_faq/boosters`)."""
        self.act(action)
        self.say(response or action, **values)

    def listen(self) -> None:
        self.act("action_listen")

    def answer(self, text: str, answer: str, confidence: float = 0.997) -> None:
        """A question the bot answers from a retrieval intent (faq/..., out_of_scope/...)."""
        intent = answer.split("/")[0]
        # An answer that says the article does not cover all of the question is followed by the staff
        # offer, as an out-of-scope answer is (the NLU marks the message `offer`).
        offered = needs_staff(answer)
        marked = intent == FAQ and offered
        offer = [{"entity": OFFER_ENTITY, "value": "yes", "extractor": "AnswerPlan"}] if marked else None
        self.user(text, intent, confidence, answer=answer, entities=offer)
        self.reply(f"utter_{intent}", f"utter_{answer}")
        if offered:
            self.reply("utter_offer_staff")
        self.listen()

    def form_asks(self, slot: str, **filled: Any) -> None:
        """The booking form takes the slots an answer filled and asks its next question."""
        self.act(FORM)
        self.add(*(SlotSet(name, value) for name, value in {**filled, "requested_slot": slot}.items()))
        self.say(f"utter_ask_{slot}")
        self.listen()

    def save(self, url: str) -> None:
        save_tracker(url, self.tracker)


def booking(sender_id: str, url: str) -> str:
    """A question, then the booking form to the end; returns the handoff's reference."""
    c = Conversation(sender_id)
    say = iter(MESSAGES["booking"])
    c.start()
    c.answer(next(say), "faq/infusion_length")
    c.user(next(say), BOOK_APPOINTMENT, 0.887)
    c.reply("utter_booking_start")
    c.act(FORM)
    c.add(ActiveLoop(FORM), SlotSet("requested_slot", "contact_name"))
    c.say("utter_ask_contact_name")
    c.listen()
    name = next(say)
    c.user(name, "inform", 0.613)
    c.form_asks("contact_method", contact_name=name)
    c.user(next(say), "inform", 0.624)
    c.form_asks("contact_time", contact_method="(415) 555-2671", contact_phone="+14155552671", contact_email=None)
    time_to_call = next(say)
    c.user(time_to_call, "inform", 0.979)
    c.form_asks("contact_consent", contact_time=time_to_call)
    c.user(next(say), AFFIRM, 0.990, contact_consent=True)
    c.act(FORM)
    c.add(SlotSet("contact_consent", True), SlotSet("requested_slot", "booking_confirmed"))
    c.say("utter_booking_summary", by_action=True, contact="(415) 555-2671")
    c.listen()
    confirmed = c.user(next(say), AFFIRM, 0.990, booking_confirmed=True)
    c.act(FORM)
    c.add(SlotSet("booking_confirmed", True), SlotSet("requested_slot", None), ActiveLoop(None))
    c.act("action_submit_booking")
    receipt = record_handoff(HandoffRequest(
        idempotency_key=f"booking:{sender_id}:{confirmed}", channel=c.channel, sender_id=sender_id,
        reason=REASONS[BOOK_APPOINTMENT], topics=["faq/infusion_length"], consent=True, name=name,
        phone="+14155552671", preferred_time=time_to_call), url)
    c.say("utter_booking_logged_with_link", by_action=True, reference=receipt.reference)
    c.add(*(SlotSet(slot, None) for slot in BOOKING_SLOTS))
    c.listen()
    c.save(url)
    return receipt.reference


def crisis(sender_id: str, url: str) -> str:
    """A greeting, then a crisis message: the crisis reply and an urgent handoff; returns its reference."""
    c = Conversation(sender_id)
    hello, crisis_message = MESSAGES["crisis"]
    c.start()
    session_started_at = c.tracker.events[-2].timestamp
    c.user(hello, "greet", 0.998)
    c.reply("utter_greet_first")
    c.listen()
    c.user(crisis_message, CRISIS, 1.0, crisis=True)
    c.reply("utter_crisis")
    c.act("action_escalate_crisis")
    receipt = record_handoff(HandoffRequest(
        idempotency_key=f"crisis:{sender_id}:{session_started_at}", channel=c.channel, sender_id=sender_id,
        reason=CRISIS_REASON, urgent=True, kind=kinds.CRISIS), url)
    c.add(ActiveLoop(None))
    c.listen()
    c.save(url)
    return receipt.reference


def unanswered(sender_id: str, url: str, question: str) -> None:
    """A question outside what the bot knows: its out-of-scope answer and the offer of staff."""
    c = Conversation(sender_id)
    c.start()
    c.answer(question, "out_of_scope/cost", 0.999)
    c.save(url)


def escape(sender_id: str, url: str) -> None:
    """Markup and a spreadsheet formula typed by a patient, none of them understood."""
    c = Conversation(sender_id)
    script, bold, formula = MESSAGES["escape"]
    c.start()
    c.answer(script, "out_of_scope/other", 0.409)
    c.user(bold, FALLBACK_INTENT, 0.4)
    c.reply("action_clarify", "utter_clarify")
    c.listen()
    c.user(formula, FALLBACK_INTENT, 0.4)
    c.reply("utter_offer_staff")
    c.listen()
    c.save(url)


def sessions(sender_id: str, url: str) -> None:
    """Two sessions: a question, a new session (the widget's /session_start), another question."""
    c = Conversation(sender_id)
    first, restart, second = MESSAGES["sessions"]
    c.start()
    c.answer(first, "faq/infusion_length")
    c.user(restart, "session_start", 1.0)
    c.act("action_session_start")
    c.add(SessionStarted(), ActionExecuted("action_listen"))
    c.answer(second, "faq/boosters", 0.9996)
    c.save(url)


def sms(url: str) -> str:
    """A question by SMS: the channel's sender and message records, the conversation under the number's
    pseudonymous id. Returns that id."""
    sender_id = sender_id_for(SMS_PHONE)
    c = Conversation(sender_id, channel="twilio")
    c.start()
    c.answer(SMS_MESSAGES[0], "faq/schedule", 0.998)
    c.save(url)
    replies = [event.text for event in c.tracker.events if isinstance(event, BotUttered) and event.text]
    with session_scope(url) as session:
        session.add(SmsSender(sender_id=sender_id, phone=SMS_PHONE, opted_out=False, last_options="[]"))
        session.add(SmsMessage(message_sid="SM" + uuid.uuid4().hex, sender_id=sender_id, reply=twiml(replies)))
    return sender_id


def seed(url: str) -> Filled:
    """Fills a migrated database: the conversations of MESSAGES (and the SMS one), their handoffs, the
    staff account. Conversation ids are fixed (`staff-booking`...), as in a `data.sql`."""
    filled = Filled(url, {name: f"staff-{name}" for name in MESSAGES})
    filled.references["booking"] = booking(filled.senders["booking"], url)
    filled.references["crisis"] = crisis(filled.senders["crisis"], url)
    unanswered(filled.senders["cost1"], url, MESSAGES["cost1"][0])
    unanswered(filled.senders["cost2"], url, MESSAGES["cost2"][0])
    escape(filled.senders["escape"], url)
    sessions(filled.senders["sessions"], url)
    filled.senders["sms"] = sms(url)
    add_staff_account(url)
    engine_for(url).dispose()  # no connection left open: a PostgreSQL template must have none
    forget_engines()
    return filled


def sqlite_copy(filled: Filled, folder: Path) -> Filled:
    """The same conversations in a SQLite database of their own under `folder` (a test may change it)."""
    url = f"sqlite:///{folder / 'clinic.db'}"
    copy_sqlite(filled.url, url)
    return dataclasses.replace(filled, url=url)


def add_staff_account(url: str) -> None:
    """The administrator the tests log in as, made as `make staff-user` makes it."""
    with session_scope(url) as session:
        accounts.set_password(session, STAFF_USER, STAFF_PASSWORD, role="admin")
