"""What hostile-inputs.md does not list but a hostile server would try: odd paths, paging,
bodies and methods. Every answer is a JSON 4xx (never a 500) and nothing is stored or sent."""

from __future__ import annotations

from urllib.parse import quote

from tests.inbox.hostile import assert_nothing_happened


def _is_json_error(answer, status: int) -> bool:
    return (answer.status_code == status
            and answer.headers["content-type"].startswith("application/json")
            and set(answer.json()) == {"error", "detail"})


async def test_paging_past_sqlite_integers_is_400_not_500(world) -> None:
    post = quote(world.post_url(), safe="")
    url = world.inbox.url(f"/v1/{world.mention}/inbox/replies/{post}?skip={10**23}")
    answer = await world.client.get(url)
    assert _is_json_error(answer, 400), answer.text
    assert answer.json()["error"] == "bad_paging"
    owner_url = world.inbox.url(f"/v1/{world.mention}/inbox?skip={2**63}&limit=5")
    owner_view = await world.client.get(owner_url, headers=world.alice.sign("GET", owner_url))
    assert _is_json_error(owner_view, 400), owner_view.text
    await assert_nothing_happened(world)
