"""Fixes for Rasa 3.6 performance defects, applied in the Rasa server process by `clinic.server`.

Each fix keeps Rasa's behaviour and only removes wasted work; docs/performance.md has the measurements.

- Every custom-action response is checked with `jsonschema.validate(result, schema)`, which first
  re-validates the (constant) schema against the JSON Schema 2020-12 meta-schema. With jsonschema 4.17
  that meta-check costs tens of milliseconds per action call, more than everything else in the turn.
  The fix validates against a validator built once for the same schema: same result, same errors.
  Even so, jsonschema interprets the schema for every response (each event is tried against every
  event type of a `oneOf`), about 1 ms a response, some 2 ms a turn in `make profile`. A response is
  first checked by fastjsonschema, which compiles the same schema into Python code once, each event
  against its own type's alternative only (the one the `oneOf` can hold for); only a response that
  check rejects goes through jsonschema, which decides and gives the same error as before.
- Reading a conversation back from the tracker store turns each stored event into its class with
  `Event.resolve_by_type`, which walks the whole Event class hierarchy for every event. The fix looks
  the class up in a table built from the same walk (rebuilt when a name is missing, for event classes
  imported later), so the first match is the same class as before.
- Every message runs the model's NLU graph and every prediction its policy graph through
  `DaskGraphRunner`, which on each call works out the nodes the targets need, builds a dask graph and
  has dask order and schedule it (about a tenth of a turn in `make profile`), to run the nodes one
  after another in the calling thread. `SequentialGraphRunner` runs the same nodes with the same
  inputs one after another too, in an order worked out once per set of targets (the standard
  library's `graphlib`), and returns what dask returned.
- A message that names its intent ("/affirm", `/change_field{"booking_field": "contact_name"}`: the
  buttons' payloads) runs the whole NLU graph all the same, spaCy and the sentence encoder included,
  and its last node, `RegexMessageHandler`, then replaces everything the graph found with the intent
  and entities the message names. The fix gives that node's result without running the rest: the
  same function (`YAMLStoryReader.unpack_regex_message`) on the message as the graph's first node
  builds it, with the same domain; a message it does not unpack (typed text, an intent the domain
  does not have) runs the graph as before.
"""

import copy
import graphlib
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Text, Tuple, Type

import fastjsonschema
import jsonschema
import rasa.core.processor
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.graph_components.converters.nlu_message_converter import NLUMessageConverter
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.utils.common import all_subclasses


@lru_cache(maxsize=1)
def _action_response_validator() -> jsonschema.protocols.Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@lru_cache(maxsize=1)
def _compiled_action_response_checks() -> Tuple[Callable[[Any], Any], Dict[Text, Callable[[Any], Any]]]:
    """The response's schema without its events' `oneOf`, and each event type's own schema, compiled.

    Every alternative of the `oneOf` fixes `event` to its own name and `event` is required, so an
    event can satisfy only its type's alternative: the `oneOf` holds exactly when that one does."""
    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    event_schema = schema["properties"]["events"]["items"]
    alternatives = event_schema.pop("oneOf")
    types = [alternative["properties"]["event"]["const"] for alternative in alternatives]
    assert "event" in event_schema["required"] and len(set(types)) == len(types), "the dispatch needs it"
    return fastjsonschema.compile(schema), {
        name: fastjsonschema.compile({"allOf": [event_schema, alternative]})
        for name, alternative in zip(types, alternatives)
    }


def _compiled_checks_accept(result: Any) -> bool:
    response_check, event_checks = _compiled_action_response_checks()
    try:
        response_check(result)
        for event in result.get("events") or []:
            event_checks[event["event"]](event)
    except (fastjsonschema.JsonSchemaException, KeyError):
        return False
    return True


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    if _compiled_checks_accept(result):
        return True
    # Rejected: jsonschema decides, with the error Rasa would give.
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


class SequentialGraphRunner(DaskGraphRunner):
    """`DaskGraphRunner` without dask: the nodes the targets need, in an order worked out once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: Dict[Tuple[Text, ...], Tuple[Text, ...]] = {}

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        order = self._order(tuple(run_targets))
        # A node's result and an input alike are (name, value); a name nothing provides stays a name,
        # as dask passes it (GraphNode then reports the missing input).
        results: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in order:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the input "
                    f"names passed to the `run` method are the same as node names in the graph schema."
                )
            results[name] = (name, value)
        try:
            for name in order:
                needs = self._graph_schema.nodes[name].needs.values()
                results[name] = self._instantiated_nodes[name](*(results.get(need, need) for need in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(results.get(target, target) for target in run_targets)

    def _order(self, targets: Tuple[Text, ...]) -> Tuple[Text, ...]:
        if targets not in self._orders:
            nodes = self._graph_schema.minimal_graph_schema(list(targets)).nodes
            sorter = graphlib.TopologicalSorter(
                {name: [need for need in node.needs.values() if need in nodes] for name, node in nodes.items()}
            )
            self._orders[targets] = tuple(sorter.static_order())
        return self._orders[targets]


_original_parse_message_with_graph = MessageProcessor._parse_message_with_graph


def _parse_message_with_graph(
    self: MessageProcessor, message: UserMessage, tracker: DialogueStateTracker, only_output_properties: bool = True
) -> Dict[Text, Any]:
    """`MessageProcessor._parse_message_with_graph`, without the graph for a message naming its intent."""
    converted = NLUMessageConverter().convert_user_message([message])[0]
    named = YAMLStoryReader.unpack_regex_message(
        converted, self.domain, entity_extractor_name=RegexMessageHandler.__name__
    )
    if named is converted:  # not a message naming a known intent: the graph reads it
        return _original_parse_message_with_graph(self, message, tracker, only_output_properties)
    # Its text, intent, ranking and entities: every key the original's defaults would fill.
    return named.as_dict(only_output_properties=only_output_properties)


def apply() -> None:
    _compiled_action_response_checks()  # compiled at start-up (50 ms), not in the first action's turn
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # the runner a served model is loaded with
    MessageProcessor._parse_message_with_graph = _parse_message_with_graph
