"""Every Rasa internal the project overrides, patches or leans on is still there, with the parameters
the project's code was written against: after a Rasa (or rasa-sdk) upgrade this fails by name,
rather than a patch silently landing on nothing or an override never being called.

Who relies on what: clinic/rasa_fixes.py, clinic/cors.py, clinic/action_auth.py, clinic/server.py,
clinic/lock_store.py, clinic/tracker_store.py, clinic/channels/rest.py, clinic/channels/socketio.py,
clinic/channels/sms.py, clinic/feedback/channel.py, clinic_nlu/stateless.py.
"""

import inspect

import pytest
from rasa import server as rasa_server
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.engine.graph import GraphComponent, GraphNode, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.graph_components.converters.nlu_message_converter import NLUMessageConverter
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.core.events import Event
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.utils.common import all_subclasses
from rasa.utils import common as rasa_common
from rasa_sdk import endpoint

EXPECTED = [
    # clinic/rasa_fixes.py replaces these two.
    (RemoteAction, "_validate_action_result", ["self", "result"]),
    (RemoteAction, "action_response_format_spec", []),
    (Event, "resolve_by_type", ["type_name", "default"]),
    (None, all_subclasses, ["cls"]),
    # ... and gives the processor a DaskGraphRunner subclass that runs the nodes itself.
    (DaskGraphRunner, "__init__", ["self", "graph_schema", "model_storage", "execution_context", "hooks"]),
    (DaskGraphRunner, "run", ["self", "inputs", "targets"]),
    (GraphSchema, "minimal_graph_schema", ["self", "targets"]),
    (GraphNode, "__call__", ["self", "inputs_from_previous_nodes"]),
    # ... and parses a message naming its intent as the NLU graph's first and last nodes would.
    (MessageProcessor, "_parse_message_with_graph", ["self", "message", "tracker", "only_output_properties"]),
    (NLUMessageConverter, "convert_user_message", ["self", "messages"]),
    (RegexMessageHandler, "process", ["self", "messages", "domain"]),
    (YAMLStoryReader, "unpack_regex_message", ["message", "domain", "entity_extractor_name"]),
    # clinic/cors.py replaces Rasa's CORS set-up; clinic/action_auth.py wraps rasa-sdk's app factory.
    (rasa_server, "configure_cors", ["app", "cors_origins"]),
    (endpoint, "create_app", ["action_package_name", "cors_origins", "auto_reload"]),
    # clinic/server.py keeps the warning filters Rasa's start-up sets.
    (rasa_common, "_filter_warnings", None),
    # clinic/lock_store.py: a RedisLockStore subclass with its own waiting loop.
    (RedisLockStore, "lock", ["self", "conversation_id", "lock_lifetime", "wait_time_in_seconds"]),
    (LockStore, "issue_ticket", ["self", "conversation_id", "lock_lifetime"]),
    (LockStore, "get_lock", ["self", "conversation_id"]),
    (LockStore, "update_lock", ["self", "conversation_id"]),
    (LockStore, "cleanup", ["self", "conversation_id", "ticket_number"]),
    # clinic/tracker_store.py: an SQLTrackerStore subclass replacing its engine.
    (SQLTrackerStore, "__init__", ["self", "domain", "dialect", "host", "port", "db", "username", "password",
                                   "event_broker", "login_db", "query", "kwargs"]),
    (SQLTrackerStore, "_retrieve", ["self", "sender_id", "fetch_events_from_all_sessions"]),
    (SQLTrackerStore, "save", ["self", "tracker"]),
    (SQLTrackerStore, "_additional_events", ["self", "session", "tracker"]),
    (SQLTrackerStore, "session_scope", ["self"]),
    (SQLTrackerStore, "stream_events", ["self", "tracker"]),
    (None, create_engine_kwargs, ["url"]),
    # clinic/channels/rest.py overrides how the REST channel reads a request.
    (RestInput, "_extract_sender", ["self", "req"]),
    (RestInput, "_extract_input_channel", ["self", "req"]),
    (RestInput, "_extract_message", ["self", "req"]),
    (RestInput, "get_metadata", ["self", "request"]),
    # clinic/channels/socketio.py re-registers the socket.io handlers on Rasa's blueprint.
    (SocketIOInput, "blueprint", ["self", "on_new_message"]),
    (SocketIOInput, "__init__", ["self", "user_message_evt", "bot_message_evt", "namespace", "session_persistence",
                                 "socketio_path", "jwt_key", "jwt_method", "metadata_key"]),
    (SocketIOOutput, "__init__", ["self", "sio", "bot_message_evt"]),
    # ... and follows an FAQ answer with an event of its own (the widget's "Was this helpful?").
    (SocketIOOutput, "send_text_message", ["self", "recipient_id", "text", "kwargs"]),
    # clinic/channels/sms.py: an input channel of its own collecting the replies.
    (InputChannel, "blueprint", ["self", "on_new_message"]),
    (CollectingOutputChannel, "__init__", ["self"]),
    (UserMessage, "__init__", ["self", "text", "output_channel", "sender_id", "parse_data", "input_channel",
                               "message_id", "metadata"]),
    # clinic_nlu/stateless.py: the graph component contract.
    (GraphComponent, "create", ["cls", "config", "model_storage", "resource", "execution_context"]),
]


def _label(owner, name) -> str:
    if owner is None:
        return f"{name.__module__}.{name.__qualname__}"
    return f"{getattr(owner, '__qualname__', getattr(owner, '__name__', owner))}.{name}"


@pytest.mark.parametrize("owner, name, parameters", EXPECTED, ids=[_label(o, n) for o, n, _ in EXPECTED])
def test_the_rasa_internal_is_still_there_with_the_expected_parameters(owner, name, parameters):
    target = name if owner is None else getattr(owner, name, None)
    assert target is not None, f"{_label(owner, name)} is gone: check the code that overrides or patches it"
    if parameters is None:
        return
    if owner is GraphComponent:  # a classmethod declared on the class: its signature includes cls
        target = vars(GraphComponent)[name].__func__
    found = list(inspect.signature(target).parameters)
    assert found == parameters, f"{_label(owner, name)} now takes {found}: check the code that relies on it"


def test_the_processor_still_loads_its_model_with_the_runner_the_fixes_replace():
    """clinic/rasa_fixes.py swaps the name `DaskGraphRunner` in rasa.core.processor, and its runner reads
    the nodes and the schema DaskGraphRunner keeps."""
    assert "DaskGraphRunner," in inspect.getsource(MessageProcessor._load_model)
    source = inspect.getsource(DaskGraphRunner)
    assert "self._instantiated_nodes" in source and "self._graph_schema" in source


def test_the_nlu_graph_still_ends_by_replacing_a_message_naming_its_intent():
    """clinic/rasa_fixes.py gives a message naming its intent what the graph's last node gives it: that
    node still unpacks the message itself, and a served model's NLU target is still that node."""
    assert "unpack_regex_message" in inspect.getsource(RegexMessageHandler.process)
    assert 'nlu_target=f"run_{RegexMessageHandler.__name__}"' in inspect.getsource(DefaultV1Recipe)


def test_the_sql_tracker_store_still_has_the_events_table_the_core_queries_use():
    """clinic/tracker_store.py reads and writes SQLTrackerStore.SQLEvent's table with Core statements."""
    columns = [column.name for column in SQLTrackerStore.SQLEvent.__table__.columns]
    assert columns == ["id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data"]


def test_the_socketio_blueprint_still_keeps_its_server_on_the_channel():
    """clinic/channels/socketio.py registers its handlers on `self.sio` after Rasa's blueprint made it."""
    source = inspect.getsource(SocketIOInput.blueprint)
    assert "self.sio = sio" in source


def test_the_redis_lock_store_still_keeps_its_client_and_prefix():
    """clinic/lock_store.py sets `red` and `key_prefix` itself instead of calling RedisLockStore.__init__."""
    source = inspect.getsource(RedisLockStore)
    assert "self.red" in source and "self.key_prefix" in source


def test_a_bot_message_reaches_the_channel_with_its_response_name_and_time():
    """clinic/channels/socketio.py tells an FAQ answer by the `utter_action` and `timestamp` Rasa passes
    to the output channel (BotUttered.message()); clinic/feedback/store.py finds the answer by that time."""
    from rasa.shared.core.events import BotUttered

    message = BotUttered("an answer", metadata={"utter_action": "utter_faq/boosters"}, timestamp=12.5).message()
    assert message["utter_action"] == "utter_faq/boosters" and message["timestamp"] == 12.5
