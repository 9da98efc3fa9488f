"""Staff two-factor log-in to the back-office (django-otp).

Who must use it (``mfa_required``): with ``STAFF_MFA_REQUIRED`` on (production), every
active superuser and every merchant owner or manager. Anyone else may set it up, and
anyone who has an authenticator is asked for its code either way.

The flow, enforced by ``StaffMfaMiddleware`` for every page the staff member's session
opens (the back-office, staff pages such as the gate scanner, customer pages; a session
API call is refused with 403 ``mfa_required``; log-out and the MFA pages stay open):

1. password log-in (Django's admin log-in, unchanged);
2. a user who must use MFA and has no confirmed device is sent to the set-up page: a QR
   code of the ``otpauth://`` URI (and the secret as text), confirmed with a first code;
   then ten one-time recovery codes (django-otp's static device) are shown once;
3. a user with a device is sent to the code page until a TOTP code or a recovery code is
   accepted; django-otp then marks the session as verified.

Wrong codes are throttled by django-otp's ``ThrottlingMixin``: after ``n`` failures the
device refuses every code, the right one included, for ``factor × 2^(n−1)`` seconds.
A superuser can reset a user's devices from the user admin (audited).
"""
