from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.config.selectors import public_settings


class PublicSettingsApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["config"],
        summary="Public system settings",
        responses=inline_serializer("PublicSettings", {"settings": serializers.DictField()}),
        examples=[OpenApiExample("prices", value={"settings": {"pricing.under_3": 590, "pricing.over_3": 790}})],
    )
    def get(self, request):
        return Response({"settings": public_settings()})
