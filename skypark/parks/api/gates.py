"""The API of registered gate devices: the day's pack, uploading offline scans, and for
staff registering and revoking devices. A device authenticates with its token in
``Authorization: Device <token>``."""

import datetime

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.core.api.serializers import ErrorOutput
from skypark.core.errors import DomainError, NotFound

from .. import selectors
from ..gates import devices, guardians, merge, packs
from ..gates.errors import DeviceUnknown
from ..models import GateDevice, Park
from .views import IsGateStaff, _my_ticket

TAGS = ["gates"]


def _device(request) -> GateDevice:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    device = devices.device_for_token(token.strip()) if scheme == "Device" else None
    if device is None:
        raise DeviceUnknown()
    return device


class DeviceInput(serializers.Serializer):
    park = serializers.SlugField()
    name = serializers.CharField(max_length=100)


class DeviceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    park = serializers.CharField()
    name = serializers.CharField()
    node = serializers.CharField()
    token = serializers.CharField(required=False)
    revoked_at = serializers.DateTimeField(allow_null=True)


class UploadInput(serializers.Serializer):
    batch_id = serializers.CharField(max_length=64)
    events = serializers.ListField(child=serializers.JSONField(), max_length=merge.MAX_BATCH, allow_empty=False)


class UploadOutput(serializers.Serializer):
    batch_id = serializers.CharField()
    received = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    double_entries = serializers.IntegerField()
    pack_expired = serializers.IntegerField(
        help_text="Scans made after the device's pack expired: stored, refused (reason pack_expired)."
    )
    occupancy = serializers.IntegerField()


def _device_body(device, token=None):
    body = {
        "id": device.pk,
        "park": device.park.slug,
        "name": device.name,
        "node": device.node_id,
        "revoked_at": device.revoked_at,
    }
    if token:
        body["token"] = token
    return DeviceOutput(body).data


@extend_schema(tags=TAGS, summary="Register a gate device", request=DeviceInput, responses={201: DeviceOutput})
class GateDeviceRegisterApi(APIView):
    """Gate staff register the device they hold to a park; the token is in this answer only."""

    permission_classes = [IsGateStaff]

    def post(self, request):
        data = DeviceInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            park = selectors.park_get(slug=data.validated_data["park"])
        except Park.DoesNotExist:
            raise NotFound()
        device, token = devices.device_register(park=park, name=data.validated_data["name"], staff=request.user)
        return Response(_device_body(device, token), status=status.HTTP_201_CREATED)


@extend_schema(tags=TAGS, summary="Revoke a gate device", request=None, responses={200: DeviceOutput})
class GateDeviceRevokeApi(APIView):
    permission_classes = [IsGateStaff]

    def post(self, request, pk):
        device = GateDevice.objects.select_related("park").filter(pk=pk).first()
        if device is None:
            raise NotFound()
        return Response(_device_body(devices.device_revoke(device=device, staff=request.user)))


@extend_schema(
    tags=TAGS,
    summary="The gate pack of the device's park for a day",
    parameters=[OpenApiParameter("day", str, description="YYYY-MM-DD, today by default")],
    responses={
        200: OpenApiResponse(description="The pack"),
        401: OpenApiResponse(ErrorOutput, description="`device_unknown`: no or an unknown device token"),
        403: OpenApiResponse(ErrorOutput, description="`device_revoked`: the device was revoked (its pack is wiped)"),
    },
)
class GatePackApi(APIView):
    authentication_classes = []
    permission_classes = []

    def get(self, request):
        device = _device(request)
        day = None
        if request.query_params.get("day"):
            try:
                day = datetime.date.fromisoformat(request.query_params["day"])
            except ValueError:
                raise DomainError(_("Give the day as YYYY-MM-DD."), code="invalid_day") from None
        return Response(packs.pack_issue(device=device, day=day))


@extend_schema(
    tags=TAGS,
    summary="Upload offline scans",
    description="A batch of scans recorded by the device (entry or exit, let through or refused), each with "
    "its event id and hybrid logical clock. Idempotent: a batch id already received answers 409 "
    "`batch_replayed`, a scan already stored is skipped. Any invalid scan refuses the whole batch "
    "(400 `scan_invalid` with the event's index and reason, 400 `clock_in_future`).",
    request=UploadInput,
    responses={200: UploadOutput},
)
class GateScanUploadApi(APIView):
    authentication_classes = []
    permission_classes = []

    def post(self, request):
        device = _device(request)
        data = UploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = merge.scans_upload(
            device=device, batch_id=data.validated_data["batch_id"], events=data.validated_data["events"]
        )
        return Response(UploadOutput(result.__dict__).data)


class GuardiansInput(serializers.Serializer):
    guardians = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=guardians.MAX_NAMED,
        help_text="Adults besides the order holder who may bring and collect the children: first and last name "
        "(kept as first name and initial).",
    )


class GuardiansOutput(serializers.Serializer):
    guardians = serializers.ListField(
        child=serializers.CharField(), help_text="Every adult listed at the gate, the order holder first."
    )


@extend_schema(
    tags=["parks"],
    summary="Name the adults who may collect the children",
    description="For the order holder. At a park with guardian pairing the gate lets the children leave only "
    "with the order holder or one of these adults.",
    request=GuardiansInput,
    responses={
        200: GuardiansOutput,
        400: OpenApiResponse(ErrorOutput, description="guardians_invalid"),
        404: OpenApiResponse(ErrorOutput, description="Not found"),
    },
)
class TicketGuardiansApi(APIView):
    def put(self, request, pk):
        ticket = _my_ticket(request, pk)  # another customer's ticket is a 404 whatever the body
        data = GuardiansInput(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = guardians.ticket_guardians_set(ticket=ticket, names=data.validated_data["guardians"], by=request.user)
        return Response(GuardiansOutput({"guardians": guardians.ticket_guardians(ticket)}).data)
