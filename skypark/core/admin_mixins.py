class ReadOnlyAdminMixin:
    """For logs and money history: rows are written by services only; staff may look,
    and act through admin actions, but never add, edit or delete a row in a form."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
