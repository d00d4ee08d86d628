"""`/schema` works offline and on locked-down hosts: a plain page from the package, no script
from a CDN; the OpenAPI document stays at /schema/openapi.json."""

from __future__ import annotations

import re


async def test_schema_page_loads_nothing_from_outside(world) -> None:
    page = await world.client.get(world.inbox.url("/schema"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "an outside resource"
    assert 'href="/schema/openapi.json"' in html
    assert "/v1/{actor}/inbox" in html  # the routes are listed on the page itself


async def test_schema_json_is_still_served(world) -> None:
    schema = await world.client.get(world.inbox.url("/schema/openapi.json"))
    assert schema.status_code == 200
    assert "/v1/{actor}/inbox" in schema.json()["paths"]


async def test_cdn_backed_viewers_are_gone(world) -> None:
    for viewer in ("swagger", "redoc", "elements", "rapidoc", "scalar"):
        answer = await world.client.get(world.inbox.url(f"/schema/{viewer}"))
        assert answer.status_code == 404, viewer
