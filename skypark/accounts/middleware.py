from django.utils import translation


class UserLanguageMiddleware:
    """A logged-in customer sees pages in their chosen language unless the URL names one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "language", None)
            and not request.path.startswith(("/admin/", "/api/"))
            and translation.get_language_from_path(request.path_info) is None
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
