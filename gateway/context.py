"""What the gateway's request handlers need, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Engine

from gateway.config import GatewayConfig
from gateway.liveness import Liveness
from gateway.proxy import Upstreams
from gateway.ratelimit import LoginLimits, UserRateLimiter
from gateway.tokens import TokenService
from shared.config import Settings
from shared.db import make_engine, pool_budget
from shared.outbox import Outbox


@dataclass
class GatewayContext:
    settings: Settings
    config: GatewayConfig
    engine: Engine
    # the hot-path lookup of the caller (gateway.sessions.load_caller): autocommit and no
    # pre-ping, so it costs one round trip (no BEGIN/ROLLBACK, no SELECT 1 per checkout)
    auth_engine: Engine
    outbox: Outbox
    tokens: TokenService
    upstreams: Upstreams
    login_limits: LoginLimits
    user_limiter: UserRateLimiter
    # this worker's liveness lock: its in-flight idempotency claims die with it
    liveness: Liveness

    def dispose(self) -> None:
        self.engine.dispose()
        self.auth_engine.dispose()
        self.liveness.close()


def make_auth_engine(database_url: str) -> Engine:
    """The hot-path lookup of the caller (session + user, one query): autocommit, no
    pre-ping (one round trip), within the API worker's connection budget."""
    budget = pool_budget("api")
    return sa.create_engine(database_url, pool_size=budget.size, max_overflow=budget.overflow,
                            pool_timeout=budget.timeout, pool_pre_ping=False, pool_recycle=1800,
                            isolation_level="AUTOCOMMIT")


def build_context(settings: Settings, config: GatewayConfig) -> GatewayContext:
    engine = make_engine(settings.database_url, kind="api")
    return GatewayContext(
        settings=settings,
        config=config,
        engine=engine,
        auth_engine=make_auth_engine(settings.database_url),
        outbox=Outbox("gateway", settings.region),
        tokens=TokenService(config.jwt_keys, config.active_kid, config.jwt_issuer, config.jwt_audience,
                            config.access_ttl),
        upstreams=Upstreams(config),
        login_limits=LoginLimits(config.login_window_s, config.login_max_per_pair, config.login_max_per_address,
                                 config.login_backoff_s),
        user_limiter=UserRateLimiter(engine, config.user_rate_limit, config.user_rate_window_s),
        liveness=Liveness(settings.direct_database_url),
    )


def gateway_context() -> GatewayContext:
    return current_app.extensions["gateway"]
