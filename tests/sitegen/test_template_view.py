"""What templates see as `site` and `post` (`sitegen.theme.View`): a dict whose keys are also
attributes, read the same way by a template either way."""

from __future__ import annotations

import jinja2

from sitegen.theme import View


def test_a_view_is_the_dict_it_was_made_from():
    view = View({"title": "T", "tags": ["a"]})
    assert view == {"title": "T", "tags": ["a"]} and isinstance(view, dict)
    assert view.title == "T" and view["tags"] == ["a"] and list(view.items())[0] == ("title", "T")


def test_templates_read_a_view_as_they_read_a_dict():
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    source = ('{{ p.title }} {{ p["title"] }} {{ p.tags | join(",") }} '
              '{{ "title" in p }} {{ p.get("none", "-") }} {{ p.keys() | list | length }}')
    data = {"title": "T", "tags": ["a", "b"]}
    assert env.from_string(source).render(p=View(data)) == env.from_string(source).render(p=data)
    missing = env.from_string("{{ p.missing }}")
    for value in (data, View(data)):
        try:
            missing.render(p=value)
        except jinja2.UndefinedError as exc:
            assert "missing" in str(exc)
        else:
            raise AssertionError("no error")


def test_a_key_named_like_a_dict_method_leaves_the_method_in_place():
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    data = {"title": "T", "items": ["x"], "get": "g"}
    source = '{{ p.title }} {{ p.items() | list | length }} {{ p.get("title") }} {{ p["items"] }}'
    assert env.from_string(source).render(p=View(data)) == env.from_string(source).render(p=data)
