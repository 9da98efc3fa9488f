from django.urls import path

from . import views

app_name = "cashdesk"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("sold/<int:pk>/", views.sold, name="sold"),
    path("sold/<int:pk>/ticket.pdf", views.sold_pdf, name="sold-pdf"),
]
