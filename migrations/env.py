"""Alembic environment: migrates the database named by DATABASE_URL."""

from logging.config import fileConfig

from alembic import context

import clinic.alerts.models  # noqa: F401  (registers the alert outbox on Base)
import clinic.feedback.models  # noqa: F401  (registers the answer feedback on Base)
import clinic.handoffs.models  # noqa: F401  (registers the handoff tables on Base)
import clinic.sms.models  # noqa: F401  (registers the SMS tables on Base)
import clinic.takeover.models  # noqa: F401  (registers the conversation claims on Base)
import staff.models  # noqa: F401  (registers the staff console's tables on Base)
from clinic import settings
from clinic.db import Base, engine_for

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# Rasa's tracker store owns its own tables (events) in the same database: leave them alone.
PROJECT_TABLES = set(Base.metadata.tables)


def include_object(object_, name, type_, reflected, compare_to):
    return type_ != "table" or name in PROJECT_TABLES


def url() -> str:
    return config.attributes.get("database_url") or settings.database_url()


def run_migrations_offline() -> None:
    context.configure(url=url(), target_metadata=Base.metadata, include_object=include_object,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with engine_for(url()).connect() as connection:
        if connection.dialect.name == "sqlite":
            # Write-ahead logging: the Rasa server, the action server and staff tools share the file.
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            connection.commit()
        context.configure(connection=connection, target_metadata=Base.metadata,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
