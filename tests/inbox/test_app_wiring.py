"""How ``create_app`` is put together: the rate limit from settings, the routes it mounts and
how they declare their path parameters, the background work it starts."""

from __future__ import annotations

import warnings
from pathlib import Path

import httpx
import pytest
from litestar.exceptions import LitestarWarning

from fedicore.errors import ConfigError
from inbox.app import create_app
from inbox.settings import Settings, load_settings
from tests.support.server import running_inbox


async def test_rate_limit_per_second_setting_caps_each_client_address(tmp_path: Path) -> None:
    async with running_inbox(database=str(tmp_path / "i.sqlite3"), rate_limit_per_second=1) as inbox, \
            httpx.AsyncClient(timeout=10) as client:
        statuses = [(await client.post(inbox.url("/v1/inbox"), content=b"{}")).status_code
                    for _ in range(3)]
    assert statuses[:2] == [401, 401]  # a burst of twice the rate, then refused
    assert statuses[2] == 429


def test_rate_limit_setting_reads_the_environment_and_refuses_zero() -> None:
    settings = load_settings(environ={"FEDIPRESS_RATE_LIMIT_PER_SECOND": "20"})
    assert settings.rate_limit_per_second == 20
    assert Settings().rate_limit_per_second == 5000
    with pytest.raises(ConfigError, match="rate_limit_per_second"):
        load_settings(environ={"FEDIPRESS_RATE_LIMIT_PER_SECOND": "0"})


def test_routes_declare_path_parameters_without_deprecated_inference() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = create_app(Settings(database=":memory:"))
    messages = [str(w.message) for w in caught if issubclass(w.category, (DeprecationWarning, LitestarWarning))]
    assert messages == []
    paths = {route.path for route in app.routes}
    assert "/v1/{actor:str}/hooks/{name:str}" in paths  # mounted by create_app itself


async def test_serve_with_run_worker_starts_deliveries_webhooks_and_moderation(tmp_path: Path) -> None:
    async with running_inbox(database=str(tmp_path / "i.sqlite3")) as inbox:
        state = inbox.app.state
        assert {"delivery_worker", "webhook_worker", "moderation_scheduler"} <= set(state.keys())


async def test_serve_without_run_worker_leaves_background_work_to_the_worker(tmp_path: Path) -> None:
    async with running_inbox(database=str(tmp_path / "i.sqlite3"), run_worker=False) as inbox:
        assert "moderation_scheduler" not in set(inbox.app.state.keys())
