"""The one pager of every list page: where a page starts, how many pages there are, and the links between them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Pager:
    """Page ``page`` (from 1) of ``total`` rows shown ``size`` at a time."""

    page: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages (at least one, even when there is nothing to show)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * self.size

    @property
    def has_prev(self) -> bool:
        """True past the first page."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """True when rows follow this page."""
        return self.page < self.pages

    def last_page(self) -> Pager:
        """This pager, moved back to the last page when asked past it."""
        return Pager(min(self.page, self.pages), self.size, self.total)

    def shown(self, count: int) -> tuple[int, int]:
        """The numbers of the first and last row of a page showing ``count`` rows (``0, 0`` when it shows none)."""
        return (self.offset + 1 if count else 0), self.offset + count

    def prev(self, link: Callable[[int], str]) -> str | None:
        """``link`` to the previous page, None on the first."""
        return link(self.page - 1) if self.has_prev else None

    def next(self, link: Callable[[int], str]) -> str | None:
        """``link`` to the next page, None on the last."""
        return link(self.page + 1) if self.has_next else None

    def links(self, link: Callable[[int], str]) -> dict[str, str | None]:
        """First, previous, next and last page URLs (None where there is no such page), for ``_pager.html``."""
        return {
            "first": link(1) if self.has_prev else None,
            "prev": self.prev(link),
            "next": self.next(link),
            "last": link(self.pages) if self.has_next else None,
        }


def page_links(page: int, pages: int, link: Callable[[int], str]) -> dict[str, str | None]:
    """First, previous, next and last page URLs of page ``page`` of ``pages`` (see ``Pager.links``)."""
    return Pager(page, 1, pages).links(link)
