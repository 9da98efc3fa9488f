"""The browser's own date and time pickers, with ISO 8601 values in every language.

An ``<input type="date">`` only understands ``YYYY-MM-DD`` (``type="time"``: ``HH:MM[:SS]``,
``type="datetime-local"``: ``YYYY-MM-DDTHH:MM``). Django's ``DateInput`` writes its value in
the active language's format (``07.12.2026`` in Russian), which the browser shows as an empty
field. These widgets fix the format to ISO and never localize it; the browser shows the date
the person's way. Every form of the project uses them for dates and times.
"""

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


class _IsoMixin:
    """A fixed ISO ``format`` wins over the language's ``*_INPUT_FORMATS`` in Django's
    ``format_value``, whether or not the field is localized."""

    iso_format = ""

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=self.iso_format)


class DateInput(_IsoMixin, forms.DateInput):
    input_type = "date"
    iso_format = ISO_DATE


class TimeInput(_IsoMixin, forms.TimeInput):
    input_type = "time"
    iso_format = ISO_TIME


class DateTimeInput(_IsoMixin, forms.DateTimeInput):
    """``datetime-local``: a wall-clock time in the current time zone (the field converts
    aware values before the widget sees them), no offset."""

    input_type = "datetime-local"
    iso_format = ISO_DATETIME
