"""`pull` fetches reply authors' names only from public addresses: every address a name
resolves to is judged, and the request goes to the address judged."""

from __future__ import annotations

import json
import socket
from types import SimpleNamespace

import httpx

from sitegen.social import pull
from sitegen.social.pull import Puller


def _resolver(table: dict[str, list[str]]):
    def getaddrinfo(host, port, *args, **kwargs):
        if host not in table:
            raise socket.gaierror("no such name")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in table[host]]
    return getaddrinfo


def _puller(seen: list[httpx.Request]) -> Puller:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        actor = "https://good.example/users/bob"
        document = {"id": actor, "type": "Person", "preferredUsername": "bob", "name": "Bob"}
        return httpx.Response(200, content=iter([json.dumps(document).encode()]))  # streamed
    return Puller(SimpleNamespace(http=httpx.Client(transport=httpx.MockTransport(answer))))


def test_an_author_whose_name_resolves_to_a_private_address_is_not_fetched(monkeypatch) -> None:
    monkeypatch.setattr(pull.socket, "getaddrinfo", _resolver({
        "metadata.example": ["169.254.169.254"], "mixed.example": ["93.184.216.34", "10.0.0.7"]}))
    seen: list[httpx.Request] = []
    puller = _puller(seen)
    for url in ("https://metadata.example/users/bob", "https://mixed.example/users/bob",
                "https://unknown.example/users/bob", "https://127.0.0.1/users/bob"):
        author = puller.author(url)
        assert author.handle == f"@bob@{url.split('/')[2]}"  # the fallback made from the URL
    assert seen == []


def test_a_public_author_is_fetched_from_the_address_that_was_checked(monkeypatch) -> None:
    monkeypatch.setattr(pull.socket, "getaddrinfo", _resolver({"good.example": ["93.184.216.34"]}))
    seen: list[httpx.Request] = []
    author = _puller(seen).author("https://good.example/users/bob")
    assert [(r.url.scheme, r.url.host, r.headers["host"]) for r in seen] == [
        ("https", "93.184.216.34", "good.example")]
    assert seen[0].extensions["sni_hostname"] == "good.example"
    assert author.name == "Bob" and json.dumps(author.handle) == '"@bob@good.example"'
