"""Error reporting to Sentry, on when ``SENTRY_DSN`` is set (web, worker and beat)."""


def sentry_init(dsn: str, *, environment: str = "production", release: str = "", traces: float = 0.0, **options):
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        traces_sample_rate=traces,
        # Personal data (users, addresses, cookies, bodies) stays out: the SDK's default.
        integrations=[DjangoIntegration(), CeleryIntegration(), LoggingIntegration(event_level=None)],
        **options,
    )
    return True
