"""What a handoff is for: a person's request for the staff, a crisis, or a possible crisis for staff to read.

The database's check constraint is built from KINDS (clinic/handoffs/models.py); migration 0008 spells
the same list out, as a migration records the schema as it was then.
"""

# The person asked for the staff (a booking, "talk to a person", a yes to the staff offer).
REQUEST = "request"
# The crisis reply was given (988, 911): urgent (actions/crisis_handoffs.py).
CRISIS = "crisis"
# The message may be a crisis the crisis guard could not confirm (clinic.intents.crisis_guessed): the reply
# carried the crisis line, and staff are asked to read the conversation (actions/crisis_handoffs.py).
POSSIBLE_CRISIS = "possible_crisis"
KINDS = (REQUEST, CRISIS, POSSIBLE_CRISIS)
