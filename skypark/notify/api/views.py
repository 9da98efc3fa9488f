from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from skypark.accounts.api.auth import IsCustomer

from ..selectors import notification_inbox, notification_unread_count
from ..services import notification_mark_read
from .serializers import (
    NotificationListQuery,
    NotificationMarkReadInput,
    NotificationMarkReadOutput,
    NotificationSerializer,
)


@extend_schema(
    tags=["notifications"],
    summary="My in-app notifications, newest first",
    parameters=[
        OpenApiParameter("unread", OpenApiTypes.BOOL, description="true: only unread messages; false: only read ones")
    ],
)
class NotificationListApi(ListAPIView):
    permission_classes = [IsCustomer]
    serializer_class = NotificationSerializer
    filter_backends = []

    def get_queryset(self):
        query = NotificationListQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return notification_inbox(user=self.request.user, unread=query.validated_data["unread"])


class NotificationMarkReadApi(APIView):
    permission_classes = [IsCustomer]

    @extend_schema(
        tags=["notifications"],
        summary="Mark my notifications read",
        request=NotificationMarkReadInput,
        responses=NotificationMarkReadOutput,
        examples=[
            OpenApiExample("some", value={"ids": [12, 15]}, request_only=True),
            OpenApiExample("all", value={"all": True}, request_only=True),
        ],
    )
    def post(self, request):
        data = NotificationMarkReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data["all"] else data.validated_data["ids"]
        marked = notification_mark_read(recipient=request.user, ids=ids)
        return Response({"marked": marked, "unread": notification_unread_count(user=request.user)})
