"""What the gateway's request handlers need, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.engine import Engine

from gateway.config import GatewayConfig
from gateway.proxy import Upstreams
from gateway.ratelimit import LoginLimits, UserRateLimiter
from gateway.tokens import TokenService
from gateway.user_cache import UserCache
from shared.config import Settings
from shared.db import make_engine
from shared.outbox import Outbox


@dataclass
class GatewayContext:
    settings: Settings
    config: GatewayConfig
    engine: Engine
    outbox: Outbox
    tokens: TokenService
    upstreams: Upstreams
    login_limits: LoginLimits
    user_limiter: UserRateLimiter
    user_cache: UserCache


def build_context(settings: Settings, config: GatewayConfig, *, pool_size: int = 10) -> GatewayContext:
    engine = make_engine(settings.database_url, pool_size=pool_size)
    return GatewayContext(
        settings=settings,
        config=config,
        engine=engine,
        outbox=Outbox("gateway", settings.region),
        tokens=TokenService(config.jwt_keys, config.active_kid, config.jwt_issuer, config.jwt_audience,
                            config.jwt_ttl),
        upstreams=Upstreams(config),
        login_limits=LoginLimits(config.login_window_s, config.login_max_per_user, config.login_max_per_address),
        user_limiter=UserRateLimiter(engine, config.user_rate_limit, config.user_rate_window_s),
        user_cache=UserCache(settings.database_url, config.user_cache_s),
    )


def gateway_context() -> GatewayContext:
    return current_app.extensions["gateway"]
