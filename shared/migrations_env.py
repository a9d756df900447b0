"""The body of every service's Alembic env.py: online migrations against the URL the
caller put in the config, with the service's MetaData as the target."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context


def run(metadata: sa.MetaData) -> None:
    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
