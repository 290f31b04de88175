"""The topics the bot can offer as choices when it is not sure what was asked: for each retrieval
sub-intent, a short button title and the plain question the button sends back (a question the bot
answers with confidence, see data/nlu/faq.yml and data/nlu/out_of_scope.yml)."""

from typing import Dict, NamedTuple

from clinic.intents import OUT_OF_SCOPE


class Topic(NamedTuple):
    title: str
    question: str


TOPICS: Dict[str, Topic] = {
    "faq/what_is": Topic("What it is", "What is ketamine infusion therapy?"),
    "faq/anesthetic_history": Topic("Its history as an anesthetic", "Has ketamine been used as an anesthetic?"),
    "faq/who_for": Topic("Who it is for", "Who is ketamine infusion therapy for?"),
    "faq/treatment_resistant": Topic("When other treatments failed", "What does treatment-resistant mean?"),
    "faq/medical_history": Topic("Am I a candidate?", "How do I know if I am a candidate?"),
    "faq/how_it_works": Topic("How it works", "How does ketamine infusion therapy work?"),
    "faq/vs_antidepressants": Topic("Compared with antidepressants", "How is ketamine different from antidepressants?"),
    "faq/dose": Topic("The dose", "What dose of ketamine is used?"),
    "faq/infusion_length": Topic("How long an infusion is", "How long does one infusion take?"),
    "faq/schedule": Topic("How many infusions", "How many infusions will I need?"),
    "faq/boosters": Topic("Boosters", "Will I need booster treatments?"),
    "faq/how_fast": Topic("How fast it works", "How fast does it work?"),
    "faq/benefits": Topic("The benefits", "What are the benefits of ketamine infusion therapy?"),
    "faq/expert": Topic("The expert's view", "What does the expert say about ketamine?"),
    "faq/what_to_expect": Topic("What an infusion is like", "What happens during an infusion?"),
    "faq/effectiveness": Topic("Does it work, and for how long", "How effective is ketamine infusion therapy?"),
    "out_of_scope/cost": Topic("Cost", "How much does it cost?"),
    "out_of_scope/insurance": Topic("Insurance", "Does insurance cover it?"),
    "out_of_scope/side_effects": Topic("Side effects", "What are the side effects?"),
    "out_of_scope/driving": Topic("Driving afterwards", "Can I drive after an infusion?"),
    "out_of_scope/medications": Topic("My medications", "Can I keep taking my medications?"),
    "out_of_scope/pregnancy": Topic("Pregnancy", "Is it safe during pregnancy?"),
    "out_of_scope/contraindications": Topic("Who should not have it", "Who should not get ketamine?"),
    "out_of_scope/addiction": Topic("Addiction risk", "Is ketamine addictive?"),
    "out_of_scope/success_rate": Topic("Success rates", "What is the success rate?"),
    "out_of_scope/location_hours": Topic("Where the clinic is", "Where is the clinic?"),
    "out_of_scope/other_forms": Topic("Other forms of ketamine", "Is this the same as Spravato?"),
}

# The answer that lists the conditions the article names (the condition answers say it for one).
CONDITIONS_TOPIC = "faq/who_for"
# The answer that says what the therapy is.
WHAT_IS_TOPIC = "faq/what_is"

# The FAQ topics whose answer says that the article does not cover part of what is asked (how an infusion
# feels, the whole visit, success rates, a booster schedule, doses in numbers, which treatments must
# have failed first, the risks of a drug known as an anesthetic: "is ketamine safe?"). As for a question
# the article does not answer at all, the staff are offered after it (needs_staff; clinic_nlu.answer_plan,
# data/rules/faq.yml): the patient asked for more than the article says.
PARTLY_ANSWERED = frozenset(
    {
        "faq/treatment_resistant",
        "faq/anesthetic_history",
        "faq/dose",
        "faq/infusion_length",
        "faq/boosters",
        "faq/benefits",
        "faq/what_to_expect",
        "faq/effectiveness",
    }
)


def needs_staff(topic: str) -> bool:
    """Whether an answer to this topic (`faq/dose`, `out_of_scope/cost`) is followed by the staff offer."""
    return topic.startswith(OUT_OF_SCOPE + "/") or topic in PARTLY_ANSWERED
