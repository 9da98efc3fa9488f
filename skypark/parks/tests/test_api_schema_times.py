import re

from django.urls import reverse


def test_opening_hours_and_slots_are_documented_as_local_times_without_an_offset(api_client, park):
    components = api_client.get("/api/schema/?format=json").json()["components"]["schemas"]
    for component, field in (("HoursOutput", "opens"), ("HoursOutput", "closes"), ("SlotOutput", "starts")):
        documented = components[component]["properties"][field]
        assert "format" not in documented, (component, field)
    pattern = components["HoursOutput"]["properties"]["opens"]["pattern"]
    hours = api_client.get(reverse("api:park-list")).json()["results"][0]["hours"]
    assert hours
    assert all(re.fullmatch(pattern, row["opens"]) and re.fullmatch(pattern, row["closes"]) for row in hours)
