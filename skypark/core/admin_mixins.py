from django.core.paginator import Paginator
from django.db import connections, router
from django.utils.functional import cached_property


class ReadOnlyAdminMixin:
    """For logs and money history: rows are written by services only; staff may look,
    and act through admin actions, but never add, edit or delete a row in a form."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LargeTablePaginator(Paginator):
    """A changelist paginator that never counts a huge table row by row.

    Unfiltered on PostgreSQL it takes the planner's row estimate (``pg_class.reltuples``,
    kept fresh by autovacuum) once the table is past ``cap`` rows; otherwise it counts at
    most ``cap + 1`` rows, so a filter that matches millions still costs a bounded scan.
    The page links are then approximate for very large results, which staff never page
    through anyway: they filter or search.
    """

    cap = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return len(queryset)
        db = router.db_for_read(queryset.model)
        if connections[db].vendor == "postgresql" and not queryset.query.where:
            with connections[db].cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
                )
                row = cursor.fetchone()
            if row and row[0] > self.cap:
                return int(row[0])
        return queryset.order_by()[: self.cap + 1].count()


class LargeTableAdminMixin:
    """For changelists of tables that grow without bound (orders, tickets, ledgers,
    logs): a bounded count per page and no second full count."""

    paginator = LargeTablePaginator
    show_full_result_count = False
