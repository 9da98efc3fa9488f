from django.urls import path

from . import views

app_name = "loyalty"
urlpatterns = [
    path("", views.card, name="card"),
    path("card.png", views.card_png, name="card-png"),
    path("history/", views.history, name="history"),
]
