from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .models import User
from .phones import looks_like_phone, normalise_phone


def find_user_by_login(login):
    """The user whose phone (in any common spelling) or e-mail is ``login``, or None."""
    login = (login or "").strip()
    if not login:
        return None
    if looks_like_phone(login):
        try:
            return User.objects.filter(phone=normalise_phone(login)).first()
        except ValidationError:
            return None
    return User.objects.filter(email__iexact=login).first()


class PhoneOrEmailBackend(ModelBackend):
    """Log in with a phone number (normalised to E.164) or an e-mail address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        login = username if username is not None else kwargs.get("login", kwargs.get(User.USERNAME_FIELD))
        if login is None or password is None:
            return None
        user = find_user_by_login(login)
        if user is None:
            # Spend the same time as a real check, so timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
