"""Date formats per language (``FORMAT_MODULE_PATH``), one set per locale, used through the
named formats (``DATE_FORMAT``, ``SHORT_DATE_FORMAT``, ``DATETIME_FORMAT``...) everywhere.

- Russian: the genitive month, no "г." — ``10 декабря 2026``, ``10 декабря 2026, 14:30``.
- Kyrgyz: the literary form — ``2026-жылдын 10-декабры``, with the month in the possessive
  form, lower case (``months.py`` declares those names; Django ships none for Kyrgyz).
- English: day before month, as in the UK — ``10 December 2026``, ``10/12/2026``; never the
  US month-first order.

Times are 24-hour ``14:30`` in every language. Input formats stay Django's: dates typed in
forms go through the ISO widgets of ``skypark.core.widgets``.
"""
