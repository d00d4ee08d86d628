"""The built example site, read the way a fediverse server reads it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from fedicore.keys import public_key_pem
from fedicore.vocab import PUBLIC

BASE = "http://127.0.0.1:8000"
ACTOR = f"{BASE}/ap/actor.json"
FOLLOWERS = "http://127.0.0.1:8080/v1/@alice@127.0.0.1:8000/followers"


def test_actor_names_inbox_collections_and_its_public_key(built):
    actor = built.json("ap/actor.json")
    assert actor["id"] == ACTOR and actor["type"] == "Person"
    assert actor["preferredUsername"] == "alice"
    assert actor["name"] == "Alice Example"
    assert actor["inbox"] == "http://127.0.0.1:8080/v1/@alice@127.0.0.1:8000/inbox"
    assert actor["endpoints"]["sharedInbox"] == "http://127.0.0.1:8080/v1/inbox"
    assert actor["followers"] == FOLLOWERS
    assert actor["outbox"] == f"{BASE}/ap/outbox.json"
    assert actor["featured"] == f"{BASE}/ap/featured.json"
    assert actor["following"] == f"{BASE}/ap/following.json"
    key = actor["publicKey"]
    assert key["owner"] == ACTOR and key["id"].startswith(ACTOR + "#")
    private_pem = (built.site / ".keys" / "private.pem").read_bytes()
    assert key["publicKeyPem"] == public_key_pem(private_pem)
    assert (built.site / ".keys" / "private.pem").stat().st_mode & 0o777 == 0o600
    assert {"type": "PropertyValue", "name": "Pronouns", "value": "she/her"} in actor["attachment"]
    assert actor["icon"] == {"type": "Image", "url": f"{BASE}/avatar.png", "mediaType": "image/png"}
    assert actor["manuallyApprovesFollowers"] is False and actor["discoverable"] is True
    assert "<strong>static sites</strong>" in actor["summary"]


def test_private_key_never_lands_in_the_output(built):
    for path in built.out.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path


def test_every_post_document_id_is_the_url_it_is_served_at(built):
    documents = [path for path in sorted((built.out / "ap" / "posts").glob("*.json"))
                 if built.json(f"ap/posts/{path.name}")["type"] != "Tombstone"]
    assert len(documents) == 6
    for path in documents:
        doc = built.json(f"ap/posts/{path.name}")
        assert doc["id"] == f"{BASE}/ap/posts/{path.name}"
        slug = path.stem
        assert doc["url"] == f"{BASE}/posts/{slug}/"
        assert (built.out / "posts" / slug / "index.html").is_file()
        assert doc["attributedTo"] == ACTOR
        assert doc["to"] == [PUBLIC] and doc["cc"][0] == FOLLOWERS


def test_titled_posts_take_the_form_each_renderer_shows_whole(built):
    """docs/interop.md: short titled -> Note with its title; long -> teaser Note; the
    example's `object_type = "article"` post -> Article with a preview."""
    short = built.json("ap/posts/thanks-bob.json")
    assert short["type"] == "Note" and "name" not in short
    long = built.json("ap/posts/building-fast.json")
    assert long["type"] == "Note" and "name" not in long and long["summary"] is None
    assert "<strong>How a Python site generator can be fast</strong>" in long["content"]
    assert f'href="{BASE}/posts/building-fast/"' in long["content"]
    article = built.json("ap/posts/sunset.json")
    assert article["type"] == "Article" and article["name"] == "Sunset over the harbour"
    assert article["summary"] == "<p>The light lasted four minutes. I got one picture.</p>"
    assert article["preview"]["type"] == "Note"
    assert article["preview"]["attachment"] == article["attachment"]
    note = built.json("ap/posts/morning-note.json")
    assert note["type"] == "Note" and "name" not in note


def test_content_warning_becomes_summary_and_sensitive(built):
    doc = built.json("ap/posts/election-thoughts.json")
    assert doc["summary"] == "politics" and doc["sensitive"] is True
    plain = built.json("ap/posts/morning-note.json")
    assert plain["summary"] is None and plain["sensitive"] is False
    page = built.text("posts/election-thoughts/index.html")
    assert "<details" in page and "politics" in page


def test_hashtags_link_to_tag_pages_and_become_hashtag_tags(built):
    doc = built.json("ap/posts/morning-note.json")
    assert {"type": "Hashtag", "href": f"{BASE}/tags/smallweb/", "name": "#smallweb"} in doc["tag"]
    assert f'href="{BASE}/tags/smallweb/"' in doc["content"]
    assert "morning-note" in built.text("tags/smallweb/index.html")
    front_matter_tag = built.json("ap/posts/sunset.json")
    assert any(t["name"] == "#photos" for t in front_matter_tag["tag"])


def test_hashtag_in_code_block_is_not_a_tag(built):
    doc = built.json("ap/posts/building-fast.json")
    names = {t["name"] for t in doc["tag"] if t["type"] == "Hashtag"}
    assert names == {"#python", "#performance"}


def test_mentions_carry_the_resolved_actor_id_and_link_the_profile_page(built):
    """data/mentions.json (written by publish from WebFinger) says who @bob@social.example is:
    servers match the Mention href and cc against the actor id exactly."""
    doc = built.json("ap/posts/thanks-bob.json")
    actor_id, profile = "https://social.example/users/bob", "https://social.example/@bob"
    assert {"type": "Mention", "href": actor_id, "name": "@bob@social.example"} in doc["tag"]
    assert actor_id in doc["cc"]
    assert f'href="{profile}"' in doc["content"]
    assert f'href="{profile}"' in built.text("posts/thanks-bob/index.html")


def test_custom_emoji_is_an_emoji_tag_and_an_image_on_the_page(built):
    doc = built.json("ap/posts/hello-fediverse.json")
    emoji = [t for t in doc["tag"] if t["type"] == "Emoji"]
    assert emoji and emoji[0]["name"] == ":blobwave:"
    assert emoji[0]["icon"]["url"] == f"{BASE}/emoji/blobwave.png"
    assert ":blobwave:" in doc["content"]
    page = built.text("posts/hello-fediverse/index.html")
    assert re.search(r'<img class="emoji" src="[^"]*blobwave.png" alt=":blobwave:"', page)
    assert (built.out / "emoji" / "blobwave.png").is_file()


def test_image_is_attached_with_its_alt_text(built):
    doc = built.json("ap/posts/sunset.json")
    assert doc["attachment"] == [{
        "type": "Image", "mediaType": "image/png", "url": f"{BASE}/images/sunset.png",
        "name": "An orange sky fading to pink over dark water"}]
    assert 'alt="An orange sky fading to pink over dark water"' in built.text(
        "posts/sunset/index.html")


def test_language_becomes_content_map(built):
    doc = built.json("ap/posts/thanks-bob.json")
    assert doc["contentMap"] == {"en": doc["content"]}


def test_draft_is_never_built(built):
    assert not (built.out / "ap" / "posts" / "unfinished.json").exists()
    assert not (built.out / "posts" / "unfinished").exists()
    assert "unfinished" not in built.text("index.html") + built.text("page/2/index.html")


def test_outbox_pages_hold_every_post_once_as_create_activities(built):
    outbox = built.json("ap/outbox.json")
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 6
    url, seen = outbox["first"], []
    while url:
        page = built.json(url.removeprefix(BASE + "/"))
        assert page["type"] == "OrderedCollectionPage" and page["partOf"] == outbox["id"]
        for item in page["orderedItems"]:
            assert item["type"] == "Create" and item["actor"] == ACTOR
            assert item["object"]["id"] == item["id"].split("#")[0]
            seen.append(item["object"]["published"])
        url = page.get("next")
    assert len(seen) == 6 and seen == sorted(seen, reverse=True)


def test_featured_collection_holds_the_pinned_post(built):
    featured = built.json("ap/featured.json")
    assert [item["id"] for item in featured["orderedItems"]] == [
        f"{BASE}/ap/posts/hello-fediverse.json"]


def test_webfinger_names_the_account_and_links_the_actor(built):
    jrd = built.json(".well-known/webfinger")
    assert jrd["subject"] == "acct:alice@127.0.0.1:8000"
    selfs = [link for link in jrd["links"] if link["rel"] == "self"]
    assert selfs == [{"rel": "self", "type": "application/activity+json", "href": ACTOR}]
    assert any(link["rel"] == "http://webfinger.net/rel/profile-page" for link in jrd["links"])
    assert ACTOR in jrd["aliases"]
    host_meta = ET.fromstring(built.text(".well-known/host-meta"))
    link = host_meta.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link.get("template") == f"{BASE}/.well-known/webfinger?resource={{uri}}"


def test_nodeinfo_is_discoverable_and_counts_posts(built):
    links = built.json(".well-known/nodeinfo")["links"]
    assert links[0]["href"] == f"{BASE}/nodeinfo/2.1.json"
    info = built.json("nodeinfo/2.1.json")
    assert info["version"] == "2.1" and info["software"]["name"] == "fedipress"
    assert info["protocols"] == ["activitypub"] and info["openRegistrations"] is False
    assert info["usage"]["localPosts"] == 6


def test_feed_is_well_formed_atom_with_every_post(built):
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(built.text("feed.xml"))
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 6
    ids = [e.find("a:id", ns).text for e in entries]
    assert ids[0] == f"{BASE}/ap/posts/building-fast.json"


def test_post_page_links_its_activity_json_and_the_creator(built):
    page = built.text("posts/morning-note/index.html")
    assert (f'<link rel="alternate" type="application/activity+json" '
            f'href="{BASE}/ap/posts/morning-note.json">') in page
    assert '<meta name="fediverse:creator" content="@alice@127.0.0.1:8000">' in page
    assert '<link rel="me" href="https://code.example/alice">' in page
    assert '<html lang="en">' in page


def test_index_is_paginated_newest_first(built):
    first, second = built.text("index.html"), built.text("page/2/index.html")
    assert first.index("/posts/building-fast/") < first.index("/posts/sunset/")
    assert "/posts/hello-fediverse/" in second and 'href="/page/2/"' in first


def test_server_rules_are_written_for_hosts(built):
    headers = built.text("_headers")
    assert "/ap/*" in headers and "application/activity+json" in headers
    assert (built.out / "_fedipress" / "nginx.conf").is_file()


def test_a_mention_nobody_resolved_yet_links_the_guessed_profile_and_addresses_nobody(built):
    """The build is offline: @carol is not in data/mentions.json, so no Mention tag or cc
    (a guessed href reaches nobody); the page still links somewhere a reader can follow."""
    doc = built.json("ap/posts/building-fast.json")
    assert not [t for t in doc["tag"] if t["type"] == "Mention"]
    assert doc["cc"] == [FOLLOWERS]
    page = (built.out / "posts/building-fast/index.html").read_text()  # a teaser federates
    assert 'href="https://fosstodon.example/@carol"' in page
