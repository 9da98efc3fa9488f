"""The transactional outbox: what must follow a business event, recorded with it.

A service that changes state says what has to happen once the change is committed (send
the confirmation, emit a webhook) by calling ``outbox_add(effect, **arguments)`` inside
its transaction. Inside ``outbox_gather(kind=…, refs=…)`` — the payment that marks an
order paid opens one around its ``order_paid`` receivers — every effect added joins one
``OutboxMessage`` row, written once when the block ends; outside one, an effect is a
message of its own. Either way the row commits or rolls back with the change, and
``outbox_process`` is queued after the commit.

Carrying a message out is one transaction: the row is locked (``SKIP LOCKED``, so two
workers never run one message), each effect's handler writes its rows, and the row is
marked processed. A worker killed half-way leaves nothing behind but the unprocessed
row, which the redelivered task or the sweep (``outbox_drain``, every minute from beat)
runs again from the start: each effect happens exactly once. A message whose handler
fails counts the attempt and keeps its error for staff (the admin lists stuck rows); the
sweep tries it again until ``MAX_ATTEMPTS``.

Apps register the handlers of their effects in ``AppConfig.ready`` with
``effect_register(name, handler)``; a handler is called as ``handler(message=…,
**arguments)`` inside the message's transaction and must keep its writes in it (no
savepoints or transactions of its own, nothing sent before the commit).
"""

import contextvars
import logging
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# A message is queued after its commit; the sweep takes only those older than this, so
# it does not race the task that is already on its way.
SWEEP_AFTER = timedelta(seconds=60)
MAX_ERROR_LENGTH = 2000

_HANDLERS: dict[str, Callable] = {}
_gathering: contextvars.ContextVar = contextvars.ContextVar("outbox_gathering", default=None)


def effect_register(name: str, handler: Callable) -> None:
    _HANDLERS[name] = handler


def effects_registered() -> list[str]:
    return sorted(_HANDLERS)


def _checked(effects) -> list[list]:
    effects = [[name, dict(arguments)] for name, arguments in effects]
    unknown = {name for name, _arguments in effects} - set(_HANDLERS)
    if unknown:
        raise LookupError(f"No outbox handler is registered for {sorted(unknown)}")
    return effects


def _process_on_commit(message_id: int) -> None:
    """Queues the message's task once the caller commits. A broker that does not answer
    then is logged, not raised: the change stands, and the sweep carries it out."""
    # Imported here because the tasks module imports this one.
    from .tasks import outbox_process as task

    transaction.on_commit(lambda: task.delay(message_id), robust=True)


def outbox_record(*, kind: str, effects, refs: dict | None = None) -> OutboxMessage:
    """Writes one message (``effects`` are ``(name, arguments)`` pairs) in the caller's
    transaction and queues its processing after the commit."""
    message = OutboxMessage.objects.create(kind=kind, payload={"refs": refs or {}, "effects": _checked(effects)})
    _process_on_commit(message.pk)
    return message


def outbox_add(effect: str, **arguments) -> None:
    """Records that ``effect`` must follow the caller's transaction: into the message
    being gathered, if any, else as a message of its own. ``arguments`` must be JSON."""
    gathered = _gathering.get()
    if gathered is None:
        outbox_record(kind=effect, effects=[(effect, arguments)])
    else:
        gathered.append((effect, arguments))


def outbox_gathering() -> bool:
    """Whether effects added now join a message being gathered (a payment's)."""
    return _gathering.get() is not None


@contextmanager
def outbox_gather(*, kind: str, refs: dict | None = None):
    """Every ``outbox_add`` inside the block joins one message of ``kind``, written (one
    INSERT) when the block ends without an error and only if something was added. Use
    it inside the transaction of the business event."""
    effects: list = []
    token = _gathering.set(effects)
    try:
        yield effects
    finally:
        _gathering.reset(token)
    if effects:
        outbox_record(kind=kind, refs=refs, effects=effects)


def _run_first(queryset) -> tuple[int | None, bool]:
    """Locks the first message of ``queryset`` that no other worker holds, carries out
    its effects and marks it processed, in one transaction. Returns ``(id, done)``;
    ``(None, False)`` when there is nothing to take. A failure rolls the effects back
    and is recorded on the row."""
    message_id = None
    try:
        with transaction.atomic():
            message = queryset.select_for_update(skip_locked=True).first()
            if message is None:
                return None, False
            message_id = message.pk
            for name, arguments in message.payload.get("effects", ()):
                _HANDLERS[name](message=message, **arguments)
            OutboxMessage.objects.filter(pk=message_id).update(
                processed_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
    except Exception as exc:
        if message_id is None:
            raise
        logger.exception("Outbox message %s failed", message_id)
        OutboxMessage.objects.filter(pk=message_id, processed_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
        )
        return message_id, False
    return message_id, True


def outbox_process(*, message_id: int) -> bool:
    """Carries out one message (see the module docstring). Safe to run twice: a
    processed message, or one another worker holds, is left alone. Returns whether
    this call processed it."""
    _id, done = _run_first(OutboxMessage.objects.filter(pk=message_id, processed_at__isnull=True))
    return done


def outbox_drain(*, older_than: timedelta = SWEEP_AFTER, limit: int = 500, now=None) -> int:
    """The sweep: carries out messages left unprocessed for ``older_than`` (their task
    was lost with a worker or a broker, or a handler failed), oldest first, each in its
    own transaction, skipping rows other workers hold and those past ``MAX_ATTEMPTS``.
    A message that fails is not tried again in the same run. Returns how many were
    processed."""
    cutoff = (now or timezone.now()) - older_than
    pending = OutboxMessage.objects.filter(
        processed_at__isnull=True, created_at__lte=cutoff, attempts__lt=MAX_ATTEMPTS
    ).order_by("created_at", "pk")
    processed, failed = 0, []
    while processed + len(failed) < limit:
        message_id, done = _run_first(pending.exclude(pk__in=failed) if failed else pending)
        if message_id is None:
            break
        if done:
            processed += 1
        else:
            failed.append(message_id)
    if processed or failed:
        logger.info("Outbox sweep: %s processed, %s failed", processed, len(failed))
    return processed


SCHEDULES = [
    # name, task, hour, minute
    ("core: process the outbox", "skypark.core.tasks.outbox_sweep", "*", "*"),
]
