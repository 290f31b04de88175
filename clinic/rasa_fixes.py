"""Fixes for Rasa 3.6 performance defects, applied in the Rasa server process by `clinic.server`.

Each fix keeps Rasa's behaviour and only removes wasted work; docs/performance.md has the measurements.

- Every custom-action response is checked with `jsonschema.validate(result, schema)`, which first
  re-validates the (constant) schema against the JSON Schema 2020-12 meta-schema. With jsonschema 4.17
  that meta-check costs tens of milliseconds per action call, more than everything else in the turn.
  The fix validates against a validator built once for the same schema: same result, same errors.
- Reading a conversation back from the tracker store turns each stored event into its class with
  `Event.resolve_by_type`, which walks the whole Event class hierarchy for every event. The fix looks
  the class up in a table built from the same walk (rebuilt when a name is missing, for event classes
  imported later), so the first match is the same class as before.
"""

from functools import lru_cache
from typing import Any, Dict, Optional, Text, Type

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses


@lru_cache(maxsize=1)
def _action_response_validator() -> jsonschema.protocols.Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    error = jsonschema.exceptions.best_match(_action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            "Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


_event_classes: Dict[Text, Type[Event]] = {}
_original_resolve_by_type = Event.resolve_by_type


def _event_class_table() -> Dict[Text, Type[Event]]:
    table: Dict[Text, Type[Event]] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    return table


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    if type_name not in _event_classes:
        _event_classes.update(_event_class_table())
    if type_name in _event_classes:
        return _event_classes[type_name]
    return _original_resolve_by_type(type_name, default)


def apply() -> None:
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_by_type)
