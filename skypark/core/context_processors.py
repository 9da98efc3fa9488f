from django.conf import settings


def site(request):
    return {"SITE_NAME": "Sky Park", "SITE_URL": settings.SITE_URL}
