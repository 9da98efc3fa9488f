"""The back-office analytics page: revenue, RFM segments, the R × F grid, segment
migration, the win-win matrix and (for network staff) the daily park statistics, with a
date range and a merchant filter, charts drawn server-side as SVG, and CSV exports.

Merchant staff see only their merchants' figures: the merchant filter offers only their
merchants, and a merchant id that is not theirs is refused (403), as everywhere in the
back-office (``skypark.accounts.admin_scoping``). Every money figure is per currency.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import site
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skypark.accounts.admin_scoping import merchant_ids_for
from skypark.accounts.models import Merchant
from skypark.core.csv_export import csv_response
from skypark.core.dashboard import Series
from skypark.core.facts import place_names

from . import selectors
from .campaigns import segment_campaign_create
from .routers import replica_report
from .segments import SEGMENTS

MAX_DAYS = 366
REPORTS = ("revenue", "segments", "migration", "matrix", "parks", "funnel")


def _day(text, default):
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


def _filters(request):
    """(since, until, merchant or None, allowed merchant ids or None for everything)."""
    allowed = merchant_ids_for(request.user)
    if allowed is not None and not allowed:
        raise PermissionDenied
    today = timezone.localdate()
    until = _day(request.GET.get("until"), today)
    since = _day(request.GET.get("since"), until - timedelta(days=29))
    if since > until:
        since, until = until, since
    since = max(since, until - timedelta(days=MAX_DAYS))
    merchant = None
    raw = request.GET.get("merchant") or ""
    if raw:
        if not raw.isdigit():
            raise PermissionDenied
        merchant = int(raw)
    if allowed is not None:
        if merchant is None:
            merchant = min(allowed)
        if merchant not in allowed:
            raise PermissionDenied
    return since, until, merchant, allowed


def _money(value):
    return f"{value:.2f}"


def _context(request, since, until, merchant, allowed):
    scope = merchant or 0
    merchants = [merchant] if merchant else (sorted(allowed) if allowed is not None else None)
    revenue = selectors.revenue_by_day(since=since, until=until, merchant_ids=merchants)
    series = []
    for currency in sorted({r["currency"] for r in revenue}):
        per_day = {r["day"]: r["revenue"] for r in revenue if r["currency"] == currency}
        days = [since + timedelta(days=i) for i in range((until - since).days + 1)]
        series.append(
            Series(
                _("Revenue per day, %(currency)s") % {"currency": currency},
                [(d.strftime("%d.%m"), per_day.get(d, 0)) for d in days],
            )
        )
    snapshot = selectors.rfm_latest_date(scope=scope, on_or_before=until)
    sizes, grid, migration = [], [], []
    if snapshot:
        sizes = selectors.rfm_segment_sizes(scope=scope, day=snapshot)
        grid = selectors.rfm_distribution(scope=scope, day=snapshot)
        previous = selectors.rfm_latest_date(scope=scope, on_or_before=snapshot - timedelta(days=1))
        if previous:
            migration = selectors.rfm_migration(scope=scope, before=previous, after=snapshot)
    segment_series = []
    for currency in sorted({s["currency"] for s in sizes}):
        counts = {s["rfm_segment"]: s["customers"] for s in sizes if s["currency"] == currency}
        segment_series.append(
            Series(
                _("Customers per segment, %(currency)s") % {"currency": currency},
                [(str(label), counts.get(key, 0)) for key, label in SEGMENTS.items()],
            )
        )
    matrix = selectors.matrix_rows(since=since, until=until, merchant_ids=merchants)
    names = dict(Merchant.objects.values_list("pk", "name"))
    for row in matrix:
        row["source"] = names.get(row["source_merchant_id"], row["source_merchant_id"])
        row["target"] = names.get(row["target_merchant_id"], row["target_merchant_id"])
        row["rate_percent"] = f"{row['conversion_rate'] * 100:.1f}"
    grid_rows = []
    for currency in sorted({g["currency"] for g in grid}):
        cells = {(g["r_score"], g["f_score"]): g["customers"] for g in grid if g["currency"] == currency}
        grid_rows.append((currency, [(r, [cells.get((r, f), 0) for f in range(1, 6)]) for r in range(5, 0, -1)]))
    parks = web = None
    if allowed is None and merchant is None:
        parks = _park_context(since, until)
        web = _web_context(since, until)
    return {
        "since": since,
        "until": until,
        "merchant": merchant,
        "merchant_choices": list(
            Merchant.objects.filter(pk__in=allowed) if allowed is not None else Merchant.objects.all()
        ),
        "network_allowed": allowed is None,
        "revenue_series": series,
        "snapshot": snapshot,
        "sizes": [dict(s, label=SEGMENTS.get(s["rfm_segment"], s["rfm_segment"])) for s in sizes],
        "segment_series": segment_series,
        "grid_rows": grid_rows,
        "migration": [
            dict(
                m,
                from_label=SEGMENTS.get(m["from_segment"], _("(not in the earlier snapshot)")),
                to_label=SEGMENTS.get(m["to_segment"], m["to_segment"]),
            )
            for m in migration
        ],
        "matrix": matrix,
        "parks": parks,
        "web": web,
        "can_export_segments": request.user.has_perm("analytics.add_segmentcampaign"),
        "segments": SEGMENTS,
        "query": request.GET.urlencode(),
    }


def _park_context(since, until):
    visits, revenue = selectors.park_daily_stats(since=since, until=until)
    names = place_names("park")
    occupancy = selectors.park_occupancy_by_hour(day=until, tz=settings.TIME_ZONE)
    occupancy_series = []
    for park_id in sorted({o["park_id"] for o in occupancy}):
        per_hour = {o["hour"]: o["visitors"] for o in occupancy if o["park_id"] == park_id}
        occupancy_series.append(
            Series(
                _("Visitors inside by hour on %(day)s: %(park)s")
                % {"day": until.strftime("%d.%m.%Y"), "park": names.get(park_id, park_id)},
                [(f"{h:02d}:00", per_hour.get(h, 0)) for h in range(24)],
            )
        )
    for row in visits:
        row["park"] = names.get(row["park_id"], row["park_id"])
    for row in revenue:
        row["park"] = names.get(row["park_id"], row["park_id"])
    return {"visits": visits, "revenue": revenue, "occupancy_series": occupancy_series}


PRODUCTS = {"park": _("Park tickets"), "event": _("Event registrations"), "session": _("Course bookings")}


def _percent(part, whole):
    return f"{part * 100 / whole:.1f}" if whole else "—"


def _web_context(since, until):
    funnel = []
    for row in selectors.purchase_funnel(since=since, until=until):
        steps = [row[step] for step in selectors.FUNNEL_STEPS]
        funnel.append(
            {
                "product": row["product"],
                "label": PRODUCTS.get(row["product"], row["product"]),
                "steps": [(count, _percent(count, steps[0])) for count in steps],
            }
        )
    return {"funnel": funnel, "pages": selectors.page_views(since=since, until=until)}


@replica_report
def analytics_report(request):
    since, until, merchant, allowed = _filters(request)
    context = _context(request, since, until, merchant, allowed)
    export = request.GET.get("export")
    if export in REPORTS:
        return _csv(export, context, since, until)
    context.update(site.each_context(request), title=_("Analytics"))
    # rendered here, inside the replica's reach, not after the view returns
    return TemplateResponse(request, "admin/analytics/report.html", context).render()


def _csv(report, context, since, until):
    name = f"analytics-{report}-{since:%Y%m%d}-{until:%Y%m%d}.csv"
    if report == "revenue":
        rows = [(s.label, label, value) for s in context["revenue_series"] for label, value in s.points]
        return csv_response(name, [_("series"), _("day"), _("revenue")], rows)
    if report == "segments":
        rows = [(s["currency"], s["rfm_segment"], s["customers"], _money(s["monetary"])) for s in context["sizes"]]
        return csv_response(name, [_("currency"), _("segment"), _("customers"), _("monetary")], rows)
    if report == "migration":
        rows = [(m["currency"], m["from_segment"], m["to_segment"], m["customers"]) for m in context["migration"]]
        return csv_response(name, [_("currency"), _("from"), _("to"), _("customers")], rows)
    if report == "matrix":
        rows = [
            (
                m["source"],
                m["target"],
                m["currency"],
                m["triggers"],
                m["conversions"],
                _money(m["revenue"]),
                m["conversion_rate"],
            )
            for m in context["matrix"]
        ]
        header = [_("source"), _("target"), _("currency"), _("triggers"), _("conversions"), _("revenue"), _("rate")]
        return csv_response(name, header, rows)
    if report == "funnel":
        if context["web"] is None:
            raise PermissionDenied
        rows = [(f["label"], *(count for count, _share in f["steps"])) for f in context["web"]["funnel"]]
        return csv_response(name, [_("product"), _("viewed"), _("asked for a price"), _("placed"), _("paid")], rows)
    parks = context["parks"]
    if parks is None:
        raise PermissionDenied
    rows = [
        (
            v["park"],
            v["day"].isoformat(),
            v["visitors"],
            v["age_0_3"],
            v["age_4_7"],
            v["age_8_12"],
            v["age_13_plus"],
            v["age_unknown"],
        )
        for v in parks["visits"]
    ]
    header = [_("park"), _("day"), _("visitors"), "0–3", "4–7", "8–12", "13+", _("age unknown")]
    return csv_response(name, header, rows)


def segment_export(request):
    """POST: a draft campaign from a segment of the latest snapshot, then its admin page.
    Merchant staff export their own merchant's segments only (``_filters`` refuses any
    other merchant), so the recipients are customers of that merchant."""
    if request.method != "POST":
        return redirect("analytics-report")
    since, until, merchant, allowed = _filters(request)
    if not request.user.has_perm("analytics.add_segmentcampaign"):
        raise PermissionDenied
    segment = request.POST.get("segment", "")
    snapshot = selectors.rfm_latest_date(scope=merchant or 0, on_or_before=until)
    if segment not in SEGMENTS or snapshot is None:
        messages.error(request, _("Choose a segment of an existing snapshot."))
        return redirect(reverse("analytics-report") + "?" + request.GET.urlencode())
    campaign = segment_campaign_create(
        segment=segment,
        snapshot_date=snapshot,
        merchant=Merchant.objects.filter(pk=merchant).first() if merchant else None,
        currency=request.POST.get("currency", "")[:3],
        subject=str(SEGMENTS[segment]),
        message=str(SEGMENTS[segment]),
        created_by=request.user,
    )
    messages.success(
        request,
        _("Campaign created for %(count)s customers: write its message, then send it.")
        % {"count": campaign.recipients},
    )
    return redirect(reverse("admin:analytics_segmentcampaign_change", args=[campaign.pk]))


urlpatterns = [
    path("analytics/", site.admin_view(analytics_report), name="analytics-report"),
    path("analytics/segment-export/", site.admin_view(segment_export), name="analytics-segment-export"),
]
