"""A path whose parameter does not fit its type answers the operation's documented refusal (400/422), a carriage
return in another segment included; only a line feed, which no route can match, keeps the routing 404."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.inferred.conftest import serve

CONDUIT = Path(__file__).resolve().parents[1] / "corpus" / "realworld-conduit.yaml"
AUTH = {"Authorization": "Token apitwin-test"}


@pytest.fixture(scope="module")
def conduit():
    return serve(CONDUIT)


@pytest.mark.parametrize("slug, status", [("plain", 422), ("a%0Db", 422), ("a%0Ab", 404)])
def test_a_comment_id_that_is_no_integer(conduit, slug, status):
    reply = conduit.delete(f"/api/articles/{slug}/comments/%C2%BF%C2%B5", headers=AUTH)
    assert reply.status_code == status, reply.text


def test_a_carriage_return_in_a_path_routes_like_any_character(conduit):
    assert conduit.delete("/api/articles/a%0Db/comments/5", headers=AUTH).status_code == 204
