"""Rendering a notification kind into subject and bodies, in the recipient's language.

Each kind has a folder of Django templates, ``notify/<kind>/``:

``subject.txt``  one line (whitespace is collapsed); e-mail subject and in-app title
``body.txt``     plain-text body (e-mail text part, in-app message)
``body.html``    optional HTML part of the e-mail
``sms.txt``      optional short text for SMS; ``body.txt`` is used when it is missing

Rendering runs inside ``translation.override(language)``, so ``{% translate %}`` and
``{% blocktranslate %}`` produce the recipient's language. A language-specific file
(``body.ky.txt``, ``subject.ru.txt``) is tried before the generic one, for texts that
read better written out whole than assembled from translated strings.

Plain-text templates are rendered without HTML autoescaping (an apostrophe in a name
must not turn into ``&#x27;`` in an SMS); ``body.html`` is escaped as usual.

Context every template receives, besides the caller's: ``recipient`` (a user or None),
``language``, ``SITE_NAME`` and ``SITE_URL``.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.template import Context, TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import translation

KIND_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
BLANK_LINES_RE = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    body_html: str
    sms: str


def _candidates(kind, name, ext, language):
    return [f"notify/{kind}/{name}.{language}.{ext}", f"notify/{kind}/{name}.{ext}"]


def _render(kind, name, ext, language, context, *, required=True):
    try:
        template = select_template(_candidates(kind, name, ext, language))
    except TemplateDoesNotExist:
        if required:
            raise
        return None
    if ext == "txt":
        # The backend wrapper always autoescapes; render the engine template directly.
        text = template.template.render(Context(context, autoescape=False))
        # Optional template blocks leave runs of empty lines behind.
        return BLANK_LINES_RE.sub("\n\n", text).strip()
    return template.render(context).strip()


def validate_kind(kind: str) -> None:
    # The kind becomes part of a template path; only dotted lowercase names may.
    if not isinstance(kind, str) or not KIND_RE.match(kind):
        raise ValueError(f"Invalid notification kind: {kind!r}")


def render_kind(kind: str, *, language: str, context: dict) -> Rendered:
    validate_kind(kind)
    context = {"SITE_NAME": "Sky Park", "SITE_URL": settings.SITE_URL, "language": language, **context}
    with translation.override(language):
        subject = " ".join(_render(kind, "subject", "txt", language, context).split())
        body = _render(kind, "body", "txt", language, context)
        body_html = _render(kind, "body", "html", language, context, required=False) or ""
        sms = _render(kind, "sms", "txt", language, context, required=False) or body
    return Rendered(subject=subject[:255], body=body, body_html=body_html, sms=sms)
