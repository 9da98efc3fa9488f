"""``{% load course_times %}``: a session's time on the venue's clocks with its zone
(``bookings.timing``), for pages and e-mails alike."""

from django import template

from .. import timing

register = template.Library()


@register.filter
def session_when(session):
    return timing.session_when(session) if session else ""


@register.filter
def session_start(session):
    return timing.session_start(session) if session else ""


@register.filter
def at_venue(moment, venue):
    return timing.at_venue(moment, venue) if moment and venue else ""
