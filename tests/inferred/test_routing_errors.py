"""A path whose parameter does not fit its type answers the operation's documented refusal (400/422), control
characters in another segment included: a carriage return or a line feed routes like any other character
(Starlette's mount tail made to match line feeds, apitwin.server.connexion_patches)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.inferred.conftest import serve

CONDUIT = Path(__file__).resolve().parents[1] / "corpus" / "realworld-conduit.yaml"
AUTH = {"Authorization": "Token apitwin-test"}


@pytest.fixture(scope="module")
def conduit():
    return serve(CONDUIT)


@pytest.mark.parametrize("slug, status", [("plain", 422), ("a%0Db", 422), ("a%0Ab", 422)])
def test_a_comment_id_that_is_no_integer(conduit, slug, status):
    reply = conduit.delete(f"/api/articles/{slug}/comments/%C2%BF%C2%B5", headers=AUTH)
    assert reply.status_code == status, reply.text


@pytest.mark.parametrize("slug", ["a%0Db", "a%0Ab", "%0A"])
def test_control_characters_in_a_path_route_like_any_character(conduit, slug):
    assert conduit.delete(f"/api/articles/{slug}/comments/5", headers=AUTH).status_code == 204
