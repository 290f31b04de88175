"""Custom actions, one module per concern; `rasa run actions` loads every module of this package."""
