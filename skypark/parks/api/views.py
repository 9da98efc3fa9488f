"""Customer REST API of the parks, and the gate endpoint for staff devices. Thin: parse,
call one selector or service, render. Domain refusals become 4xx JSON in the project's
exception handler."""

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.core.api.ratelimit import ScopedRateThrottle
from skypark.core.errors import NotFound

from .. import selectors, services
from ..models import Park, Ticket
from .serializers import (
    AvailabilityOutput,
    AvailabilityQuery,
    GateInput,
    GateOutput,
    ParkOutput,
    QuoteOutput,
    TicketOrderInput,
    TicketOrderOutput,
    TicketOutput,
)

TAGS = ["parks"]
SOLD_OUT_EXAMPLE = OpenApiExample(
    "Sold out",
    value={
        "error": {
            "code": "sold_out",
            "message": "There are not enough places left for this date and time.",
            "details": {"available_spots": 1, "requested": 2},
        }
    },
    response_only=True,
    status_codes=["409"],
)
NOT_BOOKABLE_EXAMPLE = OpenApiExample(
    "Closed day",
    value={
        "error": {
            "code": "not_bookable",
            "message": "The park is closed on this day.",
            "details": {"reason": "closed_day"},
        }
    },
    response_only=True,
    status_codes=["400"],
)
ORDER_EXAMPLE = OpenApiExample(
    "Two children",
    value={"visit_date": "2025-06-01", "slot": "morning", "visitors": [{"child_id": 12}, {"name": "Dana", "age": 2}]},
    request_only=True,
)


def _park(slug) -> Park:
    try:
        return selectors.park_get(slug=slug)
    except Park.DoesNotExist:
        raise NotFound()


def _park_for_sale(slug) -> Park:
    try:
        return selectors.park_get_for_sale(slug=slug)
    except Park.DoesNotExist:
        raise NotFound()


@extend_schema(
    tags=TAGS,
    summary="Parks",
    description="Active parks with hours and slots. `search` matches the name or address in ru, ky or en.",
    parameters=[OpenApiParameter("search", str, description="Part of the name or address")],
)
class ParkListApi(generics.ListAPIView):
    serializer_class = ParkOutput
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return selectors.park_list(search=self.request.query_params.get("search", "").strip()[:100])


@extend_schema(
    tags=TAGS, summary="One park", responses={200: ParkOutput, 404: OpenApiResponse(description="No such park")}
)
class ParkDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request, slug):
        return Response(ParkOutput(_park(slug)).data)


@extend_schema(
    tags=TAGS,
    summary="Places left",
    description="Availability of a park for a date and slot: `available`, `limited` (at most 30 % left), `full`, or `closed` with a `reason` (past_date, closed_day, temporarily_closed, unknown_slot, slot_required, inactive).",
    parameters=[AvailabilityQuery],
    responses={200: AvailabilityOutput},
    examples=[
        OpenApiExample(
            "Limited",
            value={
                "park": "skypark-asia-mall",
                "date": "2025-06-01",
                "slot": "morning",
                "bookable": True,
                "status": "limited",
                "reason": "",
                "message": "",
                "capacity": 100,
                "sold": 75,
                "available_spots": 25,
                "occupancy_percentage": "75.0",
            },
            response_only=True,
        )
    ],
)
class ParkAvailabilityApi(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request, slug):
        park = _park(slug)
        query = AvailabilityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = selectors.availability(park=park, day=data["date"], slot=data["slot"], visitors=data["visitors"])
        return Response(AvailabilityOutput(result.as_dict()).data)


@extend_schema(
    tags=TAGS,
    summary="Price quote",
    description="Prices each child by their age on the visit date and applies the loyalty tier discount. Writes nothing.",
    request=TicketOrderInput,
    responses={200: QuoteOutput, 400: OpenApiResponse(description="Bad input")},
    examples=[ORDER_EXAMPLE],
)
class ParkQuoteApi(APIView):
    def post(self, request, slug):
        park = _park_for_sale(slug)
        data = TicketOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        quote = services.price_quote(
            park=park,
            visit_date=values["visit_date"],
            visitors=values["visitors"],
            customer=request.user,
            ticket_type=values["ticket_type"],
            points=values["points"],
        )
        body = {**quote.__dict__, "lines": [line.__dict__ for line in quote.lines], "total": quote.total}
        return Response(QuoteOutput(body).data)


@extend_schema(
    tags=TAGS,
    summary="Buy tickets",
    description="Reserves the places and creates an order awaiting payment. Pay at `payment_url` (web) or through `POST /api/v1/orders/{reference}/pay/`. Unpaid orders expire and release their places.",
    request=TicketOrderInput,
    responses={
        201: TicketOrderOutput,
        400: OpenApiResponse(description="Not bookable or bad input"),
        409: OpenApiResponse(description="Sold out"),
    },
    examples=[ORDER_EXAMPLE, SOLD_OUT_EXAMPLE, NOT_BOOKABLE_EXAMPLE],
)
class TicketOrderCreateApi(APIView):
    def post(self, request, slug):
        park = _park_for_sale(slug)
        data = TicketOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_order_create(customer=request.user, park=park, **data.validated_data)
        order = ticket.order
        body = {
            "order_reference": order.reference,
            "payment_url": request.build_absolute_uri(reverse("commerce:order-pay", args=[order.reference])),
            "total": order.total,
            "expires_at": order.expires_at,
            "ticket": ticket,
        }
        return Response(TicketOrderOutput(body, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=TAGS,
    summary="My tickets",
    description="Newest visit first; active tickets carry their QR code, backup code and QR image URL.",
)
class TicketListApi(generics.ListAPIView):
    serializer_class = TicketOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        return selectors.ticket_list(customer=self.request.user)


def _my_ticket(request, pk) -> Ticket:
    try:
        return selectors.ticket_get(customer=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise NotFound()


@extend_schema(
    tags=TAGS, summary="One of my tickets", responses={200: TicketOutput, 404: OpenApiResponse(description="Not found")}
)
class TicketDetailApi(APIView):
    def get(self, request, pk):
        return Response(TicketOutput(_my_ticket(request, pk), context={"request": request}).data)


@extend_schema(
    tags=TAGS,
    summary="Cancel an unpaid ticket order",
    request=None,
    responses={
        200: TicketOutput,
        404: OpenApiResponse(description="Not found"),
        409: OpenApiResponse(description="Already paid or closed"),
    },
    examples=[
        OpenApiExample(
            "Already paid",
            value={
                "error": {
                    "code": "ticket_not_cancellable",
                    "message": "Only an unpaid order can be cancelled.",
                    "details": {"status": "active"},
                }
            },
            response_only=True,
            status_codes=["409"],
        )
    ],
)
class TicketCancelApi(APIView):
    def post(self, request, pk):
        ticket = services.ticket_order_cancel(ticket=_my_ticket(request, pk), actor=request.user)
        return Response(TicketOutput(ticket, context={"request": request}).data)


GATE_PERMISSION = "parks.change_ticket"
# How long the answer to "may this user admit?" is remembered. Taking the permission
# away (from the user or from their group), or giving it, takes effect within this bound.
GATE_PERMISSION_SECONDS = 30


class IsGateStaff(permissions.BasePermission):
    """Active staff holding ``parks.change_ticket`` (directly, through a group, or as a
    superuser).

    A gate device scans all day as one user, so the permission lookup (two queries) is
    remembered in the cache per user for ``GATE_PERMISSION_SECONDS``: taking the
    permission away stops that user's scans within that bound (and giving it lets them
    in within it). ``is_active`` and ``is_staff`` come from the user row authentication
    uses (``skypark.accounts.auth_sessions.token_user``): saving the user drops its cached
    copy, so switching either off locks a device out at once with the shared cache (and
    within 5 seconds with a per-process one)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        if user.is_superuser:
            return True
        key = f"parks:gate-permission:{user.pk}"
        allowed = cache.get(key)
        if allowed is None:
            allowed = user.has_perm(GATE_PERMISSION)
            cache.set(key, allowed, GATE_PERMISSION_SECONDS)
        return bool(allowed)


@extend_schema(
    tags=["gates"],
    summary="Validate a ticket at a gate",
    description="For gate devices signed in as staff. A refused scan is not an error: the answer is 200 with `admitted: false` and a `reason` (wrong_park, wrong_date, already_used, expired, refunded, cancelled, not_paid, forged, unknown, park_full).",
    request=GateInput,
    responses={200: GateOutput, 403: OpenApiResponse(description="Not gate staff")},
    examples=[
        OpenApiExample(
            "Scan", value={"park": "skypark-asia-mall", "gate": "north-1", "code": "8H3K2M9P"}, request_only=True
        ),
        OpenApiExample(
            "Refused",
            value={
                "admitted": False,
                "reason": "already_used",
                "message": "This ticket has already been used. Used on Dec. 7, 2026 at 11:42 a.m., gate “north-1”.",
                "visitors": 2,
                "children": [],
                "ticket_id": 41,
                "visit_id": None,
                "details": {"used_at": "2026-12-07T11:42:05+06:00", "gate": "north-1"},
            },
            response_only=True,
        ),
    ],
)
class GateAdmitApi(APIView):
    throttle_classes = [*APIView.throttle_classes, ScopedRateThrottle]
    throttle_scope = "gate_code"
    permission_classes = [IsGateStaff]

    def post(self, request):
        data = GateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            # By slug: the service reads the park from the ticket's row.
            result = services.ticket_admit(
                code=values["code"],
                park=values["park"],
                gate=values["gate"],
                staff=request.user,
                guardian=values["guardian"],
            )
        except Park.DoesNotExist:
            raise NotFound()
        ticket = result.ticket
        body = {
            "admitted": result.admitted,
            "reason": result.reason,
            "message": result.message,
            "visitors": ticket.visitors if ticket else None,
            "children": [{"name": c.get("name"), "age": c.get("age")} for c in ticket.children_data]
            if ticket
            else None,
            "ticket_id": ticket.pk if ticket else None,
            "visit_id": result.visit.pk if result.visit else None,
            "details": result.facts,
        }
        return Response(GateOutput(body).data)


@extend_schema(
    tags=["gates"],
    summary="A group leaves through a gate",
    description="For gate staff. The ticket's open visit of today is closed; a refusal is 200 with "
    "`admitted: false` and a `reason` (not_inside, wrong_park, forged, unknown, ...).",
    request=GateInput,
    responses={200: GateOutput, 403: OpenApiResponse(description="Not gate staff")},
)
class GateExitApi(APIView):
    throttle_classes = [*APIView.throttle_classes, ScopedRateThrottle]
    throttle_scope = "gate_code"
    permission_classes = [IsGateStaff]

    def post(self, request):
        data = GateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = services.ticket_exit(
            code=values["code"],
            park=values["park"],
            gate=values["gate"],
            staff=request.user,
            guardian=values["guardian"],
        )
        ticket = result.ticket
        body = {
            "admitted": result.admitted,
            "reason": result.reason,
            "message": result.message if result.reason else str(_("Left the park")),
            "visitors": ticket.visitors if ticket else None,
            "children": None,
            "ticket_id": ticket.pk if ticket else None,
            "visit_id": result.visit.pk if result.visit else None,
            "details": result.facts,
        }
        return Response(GateOutput(body).data)
