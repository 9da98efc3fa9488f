"""CRM connectors: a partner's CRM export (JSON or CSV over HTTP(S)) pulled on a schedule
and fed through the loyalty import (``loyalty.services.imports``)."""
