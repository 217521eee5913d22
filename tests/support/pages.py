"""Reading the console's pages in tests: the HTML as a tree, and the words of a part of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import html

if TYPE_CHECKING:
    from starlette.testclient import TestClient


def page(client: TestClient, path: str) -> html.HtmlElement:
    """The page at ``path`` (which must answer 200) as an HTML tree."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    return html.fromstring(response.text)


def words(tree: html.HtmlElement, xpath: str) -> str:
    """The text of what ``xpath`` finds, with all runs of white space made one space."""
    return " ".join(" ".join(" ".join(n.itertext()) for n in tree.xpath(xpath)).split())
