from rest_framework.pagination import CursorPagination, PageNumberPagination

from .deprecation import PAGE_NUMBERS_ON_SYNC_LISTS, mark_deprecated


class DefaultPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class SyncCursorPagination(CursorPagination):
    """Lists partners copy into their own systems: a ``cursor`` (in ``next``) that points
    at a row, not a page number, so rows inserted while the client reads never shift a row
    into the next page twice or past it. Ordered by ``-id``, newest first. ``?page=`` (this
    API's first form) still works until its sunset, marked deprecated on every answer."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.numbered = None
        if "page" in request.query_params:
            self.numbered = DefaultPagination()
            return self.numbered.paginate_queryset(queryset.order_by(*self._ordering()), request, view)
        return super().paginate_queryset(queryset, request, view)

    def _ordering(self):
        return (self.ordering,) if isinstance(self.ordering, str) else self.ordering

    def get_paginated_response(self, data):
        if self.numbered is not None:
            return mark_deprecated(self.numbered.get_paginated_response(data), PAGE_NUMBERS_ON_SYNC_LISTS)
        return super().get_paginated_response(data)
