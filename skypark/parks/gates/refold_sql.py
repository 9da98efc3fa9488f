"""The refold of ``refold.tickets_refold`` as set-based SQL, for PostgreSQL: the rules of
``rules.fold`` written with window functions over all the scans of the touched tickets,
then one statement per kind of stored row, each writing only what differs and each
reading only the touched tickets' rows (by their ticket's index, whatever the history).

How the fold maps to windows, per ticket, scans in clock order ``(clock_ms,
clock_counter, node, event id)`` (byte order, as Python compares strings):

* a run is a stretch of scans of one day: the people still inside when the day changes
  leave with it (``rules.fold`` empties ``open``), so the stack of open entries lives
  within a run;
* an admitted entry pushes (+1), an admitted exit pops (-1) unless nobody is inside: the
  depth is the running sum held at zero, ``S - least(0, min(S))`` over the run;
* an exit closes the entry on top of the stack: at one depth level pushes and pops
  alternate, so it is the previous row of its level (and an entry's closing exit the
  next); the top when an entry comes in while someone is inside is the last push at the
  level it finds;
* an entry that finds nobody inside, valid, and is not a re-entry (an exit earlier that
  day, a visit already used, the park allowing it) is free: the first ``visits_allowed``
  free entries are admissions, the later ones double entries ``no_visits``.
"""

from types import SimpleNamespace

from django.db import connection

from ..models import ParkVisit, Ticket
from .models import DoubleEntry, GateScan

FOLD = "parks_gate_fold"
VALID = [Ticket.Status.ACTIVE, Ticket.Status.USED, Ticket.Status.EXPIRED]
COUNTING = [Ticket.Status.ACTIVE, Ticket.Status.USED]

# The fold of every scan (and visit recorded without a scan) of the tickets ``ids``. A
# value of the last row before this one that matches a filter is carried as the second
# item of the largest ``ARRAY[seq, value]`` (arrays compare item by item).
FOLD_SQL = f"""
CREATE TEMP TABLE {FOLD} ON COMMIT DROP AS
WITH t AS (
    SELECT id, park_id, visits_allowed AS allowed, status = ANY(%(valid)s) AS valid,
           visit_date AS valid_from, COALESCE(valid_until, visit_date) AS valid_until
    FROM {Ticket._meta.db_table} WHERE id = ANY(%(ids)s)
), f AS (
    SELECT ticket_id, id AS scan_id, clock_ms, clock_counter::bigint AS clock_counter, node::text AS node,
           event_id, NULL::text AS legacy, kind = 'entry' AS entry, admitted, day, scanned_at AS at
    FROM {GateScan._meta.db_table} WHERE ticket_id = ANY(%(ids)s)
    UNION ALL
    SELECT ticket_id, NULL, floor(extract(epoch FROM entry_time)::float8 * 1000)::bigint, 0, 'legacy',
           NULL, 'v' || id, true, true, visit_date, entry_time
    FROM {ParkVisit._meta.db_table} WHERE ticket_id = ANY(%(ids)s) AND scan_id IS NULL
    UNION ALL
    SELECT ticket_id, NULL, floor(extract(epoch FROM exit_time)::float8 * 1000)::bigint, 0, 'legacy',
           NULL, 'x' || id, false, true, visit_date, exit_time
    FROM {ParkVisit._meta.db_table}
    WHERE ticket_id = ANY(%(ids)s) AND scan_id IS NULL AND exit_time IS NOT NULL AND status = 'exited'
), o1 AS (
    SELECT f.ticket_id, f.scan_id, f.admitted, f.day, f.at, t.park_id, t.allowed,
           t.valid AND f.day BETWEEN t.valid_from AND t.valid_until AS ok,
           row_number() OVER w AS seq, lag(f.day) OVER w AS prev_day,
           f.entry AND f.admitted AS phys, NOT f.entry AND f.admitted AS ex,
           CASE WHEN NOT f.admitted THEN 0 WHEN f.entry THEN 1 ELSE -1 END AS step
    FROM f JOIN t ON t.id = f.ticket_id
    -- a UUID sorts as its text does; visits recorded before scans (node "legacy") only
    -- meet each other, by their text key
    WINDOW w AS (
        PARTITION BY f.ticket_id
        ORDER BY f.clock_ms, f.clock_counter, f.node COLLATE "C", f.event_id, f.legacy COLLATE "C"
    )
), o2 AS (
    SELECT o1.*,
           count(*) FILTER (WHERE prev_day IS NULL OR prev_day <> day) OVER (PARTITION BY ticket_id ORDER BY seq) AS run
    FROM o1
), o3 AS (
    SELECT o2.*, sum(step) OVER (PARTITION BY ticket_id, run ORDER BY seq) AS s FROM o2
), o4 AS (
    SELECT o3.*,
           s - least(0, min(s) OVER (PARTITION BY ticket_id, run ORDER BY seq)) AS depth,
           s - step - least(0, coalesce(min(s) OVER (
               PARTITION BY ticket_id, run ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS before
    FROM o3
), o5 AS (
    SELECT o4.*, ex AND before > 0 AS matched,
           CASE WHEN phys THEN depth WHEN ex AND before > 0 THEN before END AS level
    FROM o4
), o6 AS (
    SELECT o5.*,
           (max(ARRAY[seq, day - DATE '2000-01-01']) FILTER (WHERE matched) OVER before_me)[2] AS last_exit_day,
           (max(ARRAY[seq, (extract(epoch FROM at) * 1000000)::bigint]) FILTER (WHERE phys) OVER before_me)[2]
               AS last_phys_us,
           min(seq) FILTER (WHERE phys AND ok AND before = 0) OVER (PARTITION BY ticket_id) AS first_free_seq,
           CASE WHEN phys AND lead(matched) OVER at_level THEN lead(scan_id) OVER at_level END AS closer_id,
           CASE WHEN phys AND lead(matched) OVER at_level THEN lead(at) OVER at_level END AS closer_at
    FROM o5
    WINDOW before_me AS (PARTITION BY ticket_id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
           at_level AS (PARTITION BY ticket_id, run, level ORDER BY seq)
), o7 AS (
    SELECT o6.*,
           CASE WHEN NOT phys THEN NULL
                WHEN NOT ok THEN 'not_valid'
                WHEN before > 0 THEN 'inside'
                WHEN %(reentry)s AND seq > first_free_seq AND last_exit_day = day - DATE '2000-01-01' THEN 'reentry'
                ELSE 'free' END AS entry_class
    FROM o6
), o8 AS (
    SELECT o7.*,
           count(*) FILTER (WHERE entry_class = 'free') OVER (PARTITION BY ticket_id ORDER BY seq) AS free_rank,
           array_agg(scan_id) FILTER (WHERE entry_class = 'free') OVER (
               PARTITION BY ticket_id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
           ) AS free_ids
    FROM o7
), tops AS (
    SELECT ticket_id, seq, top FROM (
        SELECT ticket_id, seq, probe,
               (max(ARRAY[seq, coalesce(scan_id, 0)]) FILTER (WHERE NOT probe) OVER (
                   PARTITION BY ticket_id, run, level ORDER BY seq))[2] AS top
        FROM (
            SELECT ticket_id, run, seq, depth AS level, scan_id, false AS probe FROM o5 WHERE phys
            UNION ALL
            SELECT ticket_id, run, seq, before, NULL, true FROM o5 WHERE phys AND before > 0
        ) pushes
    ) found WHERE probe
)
SELECT o.ticket_id, o.park_id, o.scan_id, o.seq, o.day, o.at, o.phys, o.matched, o.allowed, o.free_rank,
       CASE WHEN NOT o.admitted THEN 'refusal'
            WHEN o.matched THEN 'exit'
            WHEN o.ex THEN 'exit_unmatched'
            WHEN o.entry_class = 'reentry' THEN 'reentry'
            WHEN o.entry_class = 'free' AND o.free_rank <= o.allowed THEN 'admission'
            ELSE 'double_entry' END AS role,
       CASE WHEN o.entry_class IN ('not_valid', 'inside') THEN o.entry_class
            WHEN o.entry_class = 'free' AND o.free_rank > o.allowed THEN 'no_visits' END AS dkind,
       CASE WHEN o.entry_class IN ('not_valid', 'inside') OR (o.entry_class = 'free' AND o.free_rank > o.allowed)
            THEN CASE WHEN o.before > 0 THEN nullif(p.top, 0)
                      ELSE o.free_ids[least(o.free_rank - (o.entry_class = 'free')::int, o.allowed)] END
       END AS first_scan_id,
       CASE WHEN o.closer_id IS NOT NULL THEN greatest(o.closer_at, o.at) END AS closed_at,
       CASE WHEN o.matched THEN greatest(o.at, TIMESTAMPTZ 'epoch' + o.last_phys_us * INTERVAL '1 microsecond') END
           AS exit_time
FROM o8 o LEFT JOIN tops p ON p.ticket_id = o.ticket_id AND p.seq = o.seq
"""

SCANS = GateScan._meta.db_table
VISITS = ParkVisit._meta.db_table
DOUBLES = DoubleEntry._meta.db_table
TICKETS = Ticket._meta.db_table

# The visit each physical entry should have: exited when an exit closed it, closed at the
# end of its day once that day is over, inside otherwise.
WANTED_VISITS = f"""
    SELECT f.ticket_id, f.park_id, f.scan_id, f.day, f.at,
           CASE WHEN f.closed_at IS NOT NULL THEN 'exited' WHEN f.day < %(today)s THEN 'expired' ELSE 'active' END
               AS status,
           f.closed_at
    FROM {FOLD} f WHERE f.phys AND f.scan_id IS NOT NULL
"""

WRITES = (
    f"""UPDATE {SCANS} g SET role = f.role FROM {FOLD} f
        WHERE g.id = f.scan_id AND g.ticket_id = ANY(%(ids)s) AND g.role IS DISTINCT FROM f.role""",
    f"""DELETE FROM {DOUBLES} d WHERE d.ticket_id = ANY(%(ids)s) AND NOT EXISTS (
            SELECT 1 FROM {FOLD} f WHERE f.scan_id = d.scan_id AND f.dkind IS NOT NULL)""",
    f"""UPDATE {DOUBLES} d SET first_scan_id = f.first_scan_id, kind = f.dkind FROM {FOLD} f
        WHERE f.scan_id = d.scan_id AND d.ticket_id = ANY(%(ids)s) AND f.dkind IS NOT NULL
          AND (d.first_scan_id, d.kind) IS DISTINCT FROM (f.first_scan_id, f.dkind)""",
    f"""UPDATE {VISITS} v SET status = w.status, updated_at = %(now)s,
               exit_time = CASE w.status WHEN 'exited' THEN w.closed_at WHEN 'expired' THEN coalesce(v.exit_time, w.at) END
        FROM ({WANTED_VISITS}) w
        WHERE v.scan_id = w.scan_id AND v.ticket_id = ANY(%(ids)s) AND (v.status, v.exit_time) IS DISTINCT FROM (
            w.status,
            CASE w.status WHEN 'exited' THEN w.closed_at WHEN 'expired' THEN coalesce(v.exit_time, w.at) END)""",
    f"""INSERT INTO {VISITS} (created_at, updated_at, park_id, ticket_id, entry_time, exit_time, visit_date,
                              visitor_count, visitor_ages, entry_method, gate, validated_by_id, status, scan_id)
        SELECT %(now)s, %(now)s, w.park_id, w.ticket_id, w.at,
               CASE w.status WHEN 'exited' THEN w.closed_at WHEN 'expired' THEN w.at END,
               w.day, greatest(g.visitors, 1),
               coalesce((SELECT jsonb_agg(e.child -> 'age' ORDER BY e.n)
                         FROM jsonb_array_elements(t.children_data) WITH ORDINALITY AS e(child, n)), '[]'::jsonb),
               CASE WHEN g.method IN ('manual', 'staff') THEN g.method ELSE 'qr' END,
               g.gate, g.staff_id, w.status, w.scan_id
        FROM ({WANTED_VISITS}) w
        JOIN {SCANS} g ON g.id = w.scan_id
        JOIN {TICKETS} t ON t.id = w.ticket_id
        WHERE NOT EXISTS (SELECT 1 FROM {VISITS} v WHERE v.scan_id = w.scan_id AND v.ticket_id = ANY(%(ids)s))
        ORDER BY w.scan_id""",
)

NEW_DOUBLES = f"""
    INSERT INTO {DOUBLES} (ticket_id, park_id, day, scan_id, first_scan_id, kind, found_at)
    SELECT f.ticket_id, f.park_id, f.day, f.scan_id, f.first_scan_id, f.dkind, %(now)s FROM {FOLD} f
    WHERE f.dkind IS NOT NULL AND f.scan_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM {DOUBLES} d WHERE d.scan_id = f.scan_id AND d.ticket_id = ANY(%(ids)s))
    ORDER BY f.scan_id
    RETURNING id
"""

# Each ticket's state at the end of its fold, written where it differs; the rows
# changed come back for their events.
TICKET_STATE = f"""
    WITH st AS (
        SELECT ticket_id,
               count(*) FILTER (WHERE role = 'admission') AS visits_used,
               max(at) FILTER (WHERE role = 'admission' AND free_rank = allowed) AS used_at,
               (array_agg(at ORDER BY seq DESC) FILTER (WHERE phys))[1] AS entry_time,
               (array_agg(exit_time ORDER BY seq DESC) FILTER (WHERE phys OR matched))[1] AS exit_time
        FROM {FOLD} GROUP BY ticket_id
    ), new AS (
        SELECT t.id, st.visits_used, st.entry_time, st.exit_time, coalesce(st.used_at, t.used_at) AS used_at,
               CASE WHEN t.status = ANY(%(counting)s)
                    THEN CASE WHEN st.visits_used >= t.visits_allowed THEN %(used)s ELSE %(active)s END
                    ELSE t.status END AS status
        FROM {TICKETS} t JOIN st ON st.ticket_id = t.id
    )
    UPDATE {TICKETS} t
    SET status = new.status, visits_used = new.visits_used, entry_time = new.entry_time,
        exit_time = new.exit_time, used_at = new.used_at, updated_at = %(now)s
    FROM new
    WHERE t.id = new.id AND (t.status, t.visits_used, t.entry_time, t.exit_time, t.used_at)
          IS DISTINCT FROM (new.status, new.visits_used, new.entry_time, new.exit_time, new.used_at)
    RETURNING t.id, t.park_id, t.status, t.visits_used, t.entry_time, t.exit_time, t.used_at
"""


def tickets_refold_sql(ids, *, now, today, reentry_allowed) -> tuple[list, list]:
    """Refolds the tickets ``ids`` (rows locked by the caller) in PostgreSQL. Returns the
    ids of the double entries found that were not known, and the tickets whose state
    changed (their id, park and new state, for their events)."""
    params = {
        "ids": list(ids),
        "now": now,
        "today": today,
        "reentry": bool(reentry_allowed),
        "valid": VALID,
        "counting": COUNTING,
        "used": Ticket.Status.USED,
        "active": Ticket.Status.ACTIVE,
    }
    with connection.cursor() as cursor:
        cursor.execute(FOLD_SQL, params)
        cursor.execute(f"ANALYZE {FOLD}")
        for statement in WRITES:
            cursor.execute(statement, params)
        cursor.execute(NEW_DOUBLES, params)
        created = [row[0] for row in cursor.fetchall()]
        cursor.execute(TICKET_STATE, params)
        changed = [
            SimpleNamespace(
                pk=pk, park_id=park_id, status=status, visits_used=used, entry_time=entry, exit_time=exit_, used_at=at
            )
            for pk, park_id, status, used, entry, exit_, at in sorted(cursor.fetchall())
        ]
        cursor.execute(f"DROP TABLE {FOLD}")
    return created, changed
