"""The one step before payment, shared by everything a customer buys on the site.

A domain's purchase page subclasses ``PurchaseView`` and says four things: what is being
bought (``get_subject``), the form, how to quote (price and availability, open to anyone)
and how to place the order (one service call). The view does the rest the same way for
parks, events and courses:

- a submit named ``quote_button`` (or any submit other than ``place_button``) quotes;
- ``place_button`` places: an order that still needs money goes to the payment page,
  one that needs nothing more (free, waiting list) goes to ``placed_url``;
- a ``DomainError`` is shown on the form field it concerns (``error_fields`` by code, or
  the error's ``details["field"]``), otherwise above the form;
- an anonymous visitor who places is sent to log in (or sign up) and back; what they
  filled in is kept in the session meanwhile and put back in the form, already quoted,
  when they return to the page. The draft is keyed by the page's URL name and
  arguments, not its path, so it survives the language prefix changing on the way.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from skypark.core.errors import DomainError
from skypark.core.webevents import web_event, web_event_context

DRAFT_SESSION_KEY = "purchase_draft"
# Nothing that identifies a submit or the form post itself is worth keeping.
DRAFT_SKIPPED = {"csrfmiddlewaretoken"}
DRAFT_MAX_VALUES = 100


def _draft_key(request) -> str:
    match = request.resolver_match
    arguments = ",".join(f"{k}={v}" for k, v in sorted(match.kwargs.items()))
    return f"{match.view_name}:{arguments}"


def draft_stash(request, *, key=None) -> None:
    """Keeps the posted form for this page in the session (one draft at a time)."""
    values = [(name, value) for name, value in request.POST.lists() if name not in DRAFT_SKIPPED]
    request.session[DRAFT_SESSION_KEY] = {
        "key": key or _draft_key(request),
        "data": [[name, [str(v)[:1000] for v in vals][:DRAFT_MAX_VALUES]] for name, vals in values][:DRAFT_MAX_VALUES],
    }


def draft_restore(request, *, key=None) -> QueryDict | None:
    """The draft kept for this page, removed from the session; None if there is none."""
    draft = request.session.get(DRAFT_SESSION_KEY)
    if not draft or draft.get("key") != (key or _draft_key(request)):
        return None
    del request.session[DRAFT_SESSION_KEY]
    data = QueryDict(mutable=True)
    for name, values in draft.get("data", []):
        data.setlist(name, values)
    return data


class PurchaseView(View):
    """Quote → place → pay. Subclasses set ``template_name`` and ``form_class`` and
    implement ``get_subject``, ``place`` and ``placed_url``; ``quote`` is optional."""

    http_method_names = ["get", "post"]
    template_name = ""
    form_class = None
    place_button = "buy"
    error_fields: dict[str, str] = {}
    subject_name = "subject"

    # --- what a domain says -------------------------------------------------------------

    def get_subject(self, **kwargs):
        """The thing on sale (a park, an event, a session); raise Http404 if there is none."""
        raise NotImplementedError

    def get_form_kwargs(self) -> dict:
        return {}

    def quote(self, form) -> dict:
        """Context that shows the price and availability for the form's data. May raise
        a ``DomainError``. Runs for anonymous visitors too."""
        return {}

    def place(self, form):
        """Calls the domain's service; returns what it created (something with ``order``)."""
        raise NotImplementedError

    def order_of(self, placed):
        return getattr(placed, "order", None)

    def placed_url(self, placed) -> str:
        """Where to go when nothing is left to pay."""
        raise NotImplementedError

    def is_placing(self) -> bool:
        return self.place_button in self.request.POST

    def resume_url(self) -> str:
        """Where the customer comes back to after logging in."""
        return self.request.get_full_path()

    def refused(self, form, exc: DomainError, context: dict):
        """Shows a refusal; the default puts it on the form and renders the page again."""
        field = self.error_fields.get(exc.code) or exc.details.get("field")
        form.add_error(field if field in form.fields else None, exc.message)
        return self.render(form, context)

    def get_context_data(self, **kwargs) -> dict:
        return {self.subject_name: self.subject, **kwargs}

    # --- the flow -----------------------------------------------------------------------

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.subject = None

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() in self.http_method_names:
            self.subject = self.get_subject(**kwargs)
        return super().dispatch(request, *args, **kwargs)

    def build_form(self, data=None):
        return self.form_class(data, **self.get_form_kwargs())

    def render(self, form, context=None):
        return render(self.request, self.template_name, self.get_context_data(form=form, **(context or {})))

    def get(self, request, *args, **kwargs):
        web_event_context(request, product=self.subject_name)
        data = draft_restore(request)
        form = self.build_form(data)
        context = {}
        if data is not None and form.is_valid():
            try:
                context = self.quote(form)
            except DomainError as exc:
                return self.refused(form, exc, {})
        return self.render(form, context)

    def post(self, request, *args, **kwargs):
        placing = self.is_placing()
        if placing and not request.user.is_authenticated:
            draft_stash(request)
            return redirect_to_login(self.resume_url(), reverse("accounts:login"))
        form = self.build_form(request.POST)
        if not form.is_valid():
            return self.render(form)
        try:
            if not placing:
                context = self.quote(form)
                web_event(request, "purchase_quoted", product=self.subject_name)
                return self.render(form, context)
            placed = self.place(form)
        except DomainError as exc:
            return self.refused(form, exc, {})
        order = self.order_of(placed)
        web_event(request, "purchase_placed", product=self.subject_name, object_id=f"order:{order.pk}" if order else "")
        if order is not None and order.is_payable:
            return redirect("commerce:order-pay", order.reference)
        return redirect(self.placed_url(placed))
