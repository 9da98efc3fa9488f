"""One scanner page for every place where staff let people in by code: a park's gate, an
event's door.

A domain's scanner is a subclass that names its form, its permission and its service::

    class GateView(ScannerView):
        form_class = GateForm
        permission = "parks.change_ticket"
        remember = ("park", "gate")
        template_name = "parks/gate.html"      # extends core/scanner.html

        def scan(self, data):
            return services.ticket_admit(code=data["code"], park=data["park"], ...)

The page works without JavaScript: the form posts, the code field has the focus again
after every verdict, and the fields in ``remember`` (the park, the gate, the event) stay
chosen between scans. The code is accepted as typed, pasted or sent by a USB scanner
(``clean_scanned_code``). A verdict is any object with ``admitted``, ``reason``,
``refusal`` and ``detail``. Code entry shares the API's ``gate_code`` rate per staff
member, so the web page is no way round the API's limit on guessing backup codes.
"""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from skypark.core.api.ratelimit import ScopedRateThrottle

MAX_CODE_LENGTH = 400


def clean_scanned_code(value: str) -> str:
    """The code as a scanner or a person sent it, without the whitespace a paste or a
    scanner's line end adds (``" 65bf wpkv\\n"`` → ``"65bfwpkv"``). Case and dashes are
    the domain's backup-code normaliser's business; a signed code keeps its case."""
    return "".join((value or "").split())


class Throttled:
    """The verdict when a staff member entered more codes than the ``gate_code`` rate."""

    admitted = False
    reason = "throttled"
    refusal = _("Too many codes entered. Wait a minute, then scan again.")
    detail = ""
    facts: dict = {}

    @property
    def message(self):
        return str(self.refusal)


@method_decorator([never_cache, staff_member_required], name="dispatch")
class ScannerView(View):
    title = ""
    form_class = None
    permission = ""
    remember: tuple[str, ...] = ()
    template_name = "core/scanner.html"
    throttle_scope = "gate_code"
    http_method_names = ["get", "post"]

    def scan(self, data: dict):
        """Run the domain's service on the cleaned form data; return its verdict."""
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if self.permission and not request.user.has_perm(self.permission):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def session_key(self, name: str) -> str:
        return f"scanner:{self.request.resolver_match.view_name}:{name}"

    def remembered(self) -> dict:
        return {name: self.request.session.get(self.session_key(name)) for name in self.remember}

    def remember_choices(self, data: dict) -> dict:
        chosen = {}
        for name in self.remember:
            value = data.get(name)
            chosen[name] = getattr(value, "pk", value)
            self.request.session[self.session_key(name)] = chosen[name]
        return chosen

    def allowed(self) -> bool:
        return ScopedRateThrottle().allow_request(self.request, self)

    def get(self, request):
        return self.render(self.form_class(initial=self.remembered()))

    def post(self, request):
        form = self.form_class(request.POST)
        if not form.is_valid():
            return self.render(form)
        chosen = self.remember_choices(form.cleaned_data)
        if not self.allowed():
            return self.render(self.form_class(initial=chosen), Throttled(), status=429)
        data = {**form.cleaned_data, "code": clean_scanned_code(form.cleaned_data["code"])}
        return self.render(self.form_class(initial=chosen), self.scan(data))

    def extra_context(self) -> dict:
        """More for the template (a domain's page may add its own)."""
        return {}

    def render(self, form, result=None, status=200):
        context = {"title": self.title, "form": form, "result": result, **self.extra_context()}
        return render(self.request, self.template_name, context, status=status)
