"""The Rasa server's responses with the clinic's details filled in at run time, not from the model.

Referenced from endpoints.yml (`nlg: type: clinic.responses.ClinicResponses`): Rasa's own templated
responses (domain.yml, data/responses/), with these variables taken from the clinic settings file
(clinic.clinic_settings) each time a response is sent, so a new phone number, new hours or a holiday
needs no retraining and no restart:

- `{clinic_name}`, `{clinic_phone}`, `{clinic_hours}` ("Monday to Friday, 9am to 5pm"), `{booking_url}`;
- `{clinic_callback}`: when staff will get in touch ("during clinic hours (...)" while open, "we open
  Monday at 9am, and our staff will contact you then" while closed), for the booking confirmation;
- `{clinic_closed_note}`: empty while open, else "Our clinic is closed right now; we open Monday at
  9am, and our staff would get back to you then. " in front of the offer to connect with staff.

The crisis responses use only `{crisis_line}` and `{emergency_number}`: they never change with hours.
"""

from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from clinic.office_hours import clinic_variables


class ClinicResponses(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    async def generate(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
    ) -> Optional[Dict[Text, Any]]:
        # An action's own values (kwargs) still win over these.
        filled = {**tracker.current_slot_values(), **clinic_variables()}
        return self.generate_from_slots(utter_action, filled, output_channel, **kwargs)
