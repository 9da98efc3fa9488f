"""The pure parts of the harness: figures, the summary line, the exit status and the load
driver (against a tiny local HTTP server). No Django server and no database here; the
scenarios themselves are run by ``make bench``."""

import json
import sys
import threading
import time
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import harness
from bench.harness import LoadResult, Sample, build_summary, exit_code, failed_counters, percentile


def test_percentile_interpolates_between_ranks():
    values = list(range(1, 11))
    assert percentile(values, 0) == 1
    assert percentile(values, 50) == 5.5
    assert percentile(values, 95) == pytest.approx(9.55)
    assert percentile(values, 99) == pytest.approx(9.91)
    assert percentile(values, 100) == 10
    assert percentile(reversed(values), 50) == 5.5


def test_percentile_edges():
    assert percentile([], 50) is None
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_row_counts_errors_by_status_and_averages_queries():
    samples = [Sample(10.0, 200, 3), Sample(20.0, 200, 5), Sample(30.0, 503, 1), Sample(40.0, 0, None)]
    row = LoadResult(clients=4, samples=samples, seconds=2.0, cpu_ms=80.0).row()
    assert row["requests"] == 4
    assert row["req_s"] == 2.0
    assert row["errors"] == {"503": 1, "conn": 1}
    assert row["queries_per_request"] == 3.0
    assert row["cpu_ms_per_request"] == 20.0
    assert row["p50_ms"] == 25.0


def test_summary_has_every_documented_key_and_is_json():
    row = LoadResult(clients=1, samples=[Sample(1.0, 200, 1)], seconds=1.0).row()
    summary = build_summary("floor", row, counters={"oversold": 0}, runs=[row])
    assert set(harness.SUMMARY_KEYS) <= set(summary)
    assert summary["type"] == "summary"
    assert summary["concurrency"] == 1
    assert summary["ok"] is True
    assert json.loads(json.dumps(summary))["counters"] == {"oversold": 0}


def test_a_counter_that_is_not_zero_fails():
    assert failed_counters({"oversold": 0, "double_admitted": 2}) == ["double_admitted"]
    assert failed_counters({"oversold": None}) == ["oversold"]
    assert build_summary("x", {}, counters={"oversold": 1}, runs=[])["ok"] is False
    assert exit_code([{"counters": {"a": 0}}, {"counters": {"b": 0}}]) == 0
    assert exit_code([{"counters": {"a": 0}}, {"counters": {"b": 1}}]) == 1


def test_run_scenarios_exits_non_zero_when_a_scenario_reports_a_counter(monkeypatch, tmp_path):
    fake = types.ModuleType("bench_fake_scenario")

    def run(ctx):
        ctx.emit({"type": "run", "note": "no server in unit tests"})
        if ctx.scenario == "broken":
            raise RuntimeError("seed failed")
        return build_summary(ctx.scenario, {}, counters={"oversold": 3 if ctx.scenario == "bad" else 0}, runs=[])

    fake.run = run
    monkeypatch.setitem(sys.modules, "bench_fake_scenario", fake)
    monkeypatch.setattr(
        "bench.scenarios.REGISTRY",
        {"good": "bench_fake_scenario", "bad": "bench_fake_scenario", "broken": "bench_fake_scenario"},
    )

    class NoDatabase:
        def __init__(self, scenario):
            self.name = f"fake_{scenario}"

        def recreate(self):
            pass

        def close(self):
            pass

    monkeypatch.setattr(harness, "Database", NoDatabase)
    monkeypatch.setattr(harness, "RESULTS_DIR", tmp_path)
    assert harness.run_scenarios(["good"], quick=True, chart=False) == 0
    assert harness.run_scenarios(["good", "bad"], quick=True, chart=False) == 1
    written = json.loads((tmp_path / "bad.json").read_text())
    assert written["summary"]["counters"] == {"oversold": 3}
    assert written["summary"]["ok"] is False
    (tmp_path / "good.json").unlink()
    assert harness.run_scenarios(["broken", "good"], quick=True, chart=False) == 1
    broken = json.loads((tmp_path / "broken.json").read_text())
    assert broken["summary"]["counters"] == {"harness_error": 1}
    assert (tmp_path / "good.json").exists()


def test_pos_retries_every_tenth_request_with_the_first_id_of_its_group():
    from bench.scenarios.pos import customer_for, external_id

    ids = [external_id(32, i) for i in range(30)]
    retries = [i for i, (_ext, retry) in enumerate(ids) if retry]
    assert retries == [9, 19, 29]
    assert ids[9] == (ids[0][0], True) and ids[19] == (ids[10][0], True)
    assert len({ext for ext, retry in ids if not retry}) == 27
    assert external_id(8, 0)[0] != external_id(32, 0)[0]
    codes = ["A", "B", "C"]
    assert customer_for(ids[9][0], codes) == customer_for(ids[0][0], codes)


def test_pos_import_rows_and_batches():
    from bench.scenarios.pos import BATCH_ROWS, batch_size, import_rows

    rows = import_rows(2, 3, ["A", "B"])
    assert [r["external_id"] for r in rows] == ["imp2-000000", "imp2-000001", "imp2-000002"]
    assert [r["customer_code"] for r in rows] == ["A", "B", "A"]
    assert batch_size(1_000) == 500
    assert batch_size(100_000) == BATCH_ROWS
    assert batch_size(1) == 1


def test_cpu_meter_takes_several_servers_and_workers():
    from bench.harness import CpuMeter

    class Proc:
        pid = 999_999_999

    class Srv:
        proc = Proc()

    meter = CpuMeter([Srv(), Srv()], db=None, others=[Proc()])
    assert len(meter.servers) == 2 and len(meter.others) == 1


def test_leaderboard_request_is_anonymous_or_signed_in():
    from bench.scenarios.leaderboard import board_request

    anonymous = board_request("week", None)
    assert anonymous.path == "/api/v1/events/leaderboard/?period=week"
    assert "Authorization" not in anonymous.headers
    assert board_request("all", "tok").headers["Authorization"] == "Bearer tok"


def test_scale_out_broker_is_a_loopback_redis_database():
    from bench.scenarios import scale_out

    assert scale_out.broker_url().startswith("redis://127.0.0.1:6379/")


def test_partner_request_carries_the_api_key_and_json():
    from bench.scenarios.loyaltykit import partner_request

    req = partner_request("POST", "points/redeem/", "sk_x.y", {"points": 10})
    assert req.path == "/api/v1/partner/points/redeem/"
    assert req.headers["Authorization"] == "Api-Key sk_x.y"
    assert json.loads(req.body) == {"points": 10}
    assert partner_request("GET", "transactions/", "k").body is None


def test_celery_log_lines_of_succeeded_tasks_are_counted():
    from bench.scenarios.scale_out import tasks_succeeded

    log = "\n".join(
        [
            "[2026-11-22 02:40:00,000: INFO/MainProcess] Task skypark.parks.tasks.parks_visits_close[ab-1] received",
            "[2026-11-22 02:40:00,100: INFO/ForkPoolWorker-1] Task skypark.parks.tasks.parks_visits_close[ab-1]"
            " succeeded in 0.01s: 0",
            "[2026-11-22 02:40:00,200: INFO/ForkPoolWorker-1] Task skypark.parks.tasks.parks_tickets_expire[cd-2]"
            " succeeded in 0.02s: 0",
        ]
    )
    assert tasks_succeeded(log, "skypark.parks.tasks.parks_visits_close") == 1
    assert tasks_succeeded(log, "skypark.parks.tasks.parks_tickets_expire") == 1
    assert tasks_succeeded(log, "skypark.parks.tasks.parks_tickets_remind") == 0


class _SlowHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.05

    def do_GET(self):
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_open_loop_sends_at_the_offered_rate(slow_server):
    req = harness.Req("GET", "/")
    result = harness.run_load(slow_server, 4, lambda _c, _i: req, requests=20, seconds=10, rate=20)
    row = result.row()
    assert row["requests"] == 20 and row["errors"] == {}
    assert row["offered_req_s"] == 20
    # 20 requests due over 0.95 s: the step cannot end sooner than the last one is due.
    assert result.seconds >= 0.95
    assert row["p50_ms"] >= 50


def test_open_loop_charges_the_wait_of_a_server_that_falls_behind(slow_server):
    # One client, a 50 ms answer and 100 requests/s offered: each request waits for the
    # ones before it, and the latency counted from when it was due keeps growing.
    req = harness.Req("GET", "/")
    result = harness.run_load(slow_server, 1, lambda _c, _i: req, requests=10, seconds=10, rate=100)
    latencies = [s.ms for s in result.samples]
    assert latencies[-1] > latencies[0] + 200
    closed = harness.run_load(slow_server, 1, lambda _c, _i: req, requests=10, seconds=10)
    assert max(s.ms for s in closed.samples) < latencies[-1]
    assert closed.row()["offered_req_s"] is None


def test_pretix_figures_are_labelled_as_recorded_and_compared_for_the_same_operation():
    from bench.harness import pretix_recorded

    found = pretix_recorded("check-in redeem", (71.6, 73.6), 25, 7.26)
    assert found["source"] == "recorded, not measured by this run"
    assert found["operation"] == "check-in redeem" and found["pretix_cpu_ms"] == "71.6–73.6"
    assert found["cpu_x_less"] == 10.0
    assert pretix_recorded("paid order, end to end", (176, 184), None, None)["cpu_x_less"] is None


def test_a_purchase_callback_is_signed_as_the_sandbox_signs_it():
    import hashlib
    import hmac

    from bench.scenarios import purchase

    body, header = purchase._signed_callback({"id": 7, "amount": "790.00", "currency": "KGS"}, "sbx_1")
    stamp, mac = (part.split("=", 1)[1] for part in header.split(","))
    expected = hmac.new(purchase.SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert mac == expected
    assert b'"session":"sbx_1"' in body and b'"payment_id":7' in body
