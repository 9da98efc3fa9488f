from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "skypark.accounts"
    label = "accounts"
    verbose_name = _("Customers, staff and merchants")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.db.models.signals import post_delete, post_save

        from . import dashboard  # noqa: F401
        from .auth_sessions import on_user_changed, on_user_logged_in, on_user_logged_out
        from .models import User

        # Every log-in path (customer form, sign-up, admin) goes through auth.login().
        user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.web_session_start")
        user_logged_out.connect(on_user_logged_out, dispatch_uid="accounts.web_session_end")
        # The API authenticates with a cached copy of the user's row (auth_sessions.token_user).
        post_save.connect(on_user_changed, sender=User, dispatch_uid="accounts.user_cache_forget.save")
        post_delete.connect(on_user_changed, sender=User, dispatch_uid="accounts.user_cache_forget.delete")
