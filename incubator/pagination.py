"""Pages over a list already in memory, for the `pagination` macro."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination


class ListPagination(Pagination):
    """Pages over a list already in memory (the weeks of a journal), for the `pagination` macro."""

    def _query_items(self) -> list:
        items = self._query_args["items"]
        return items[self._query_offset:self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["items"])
