"""Runs the project's ClickHouse DDL and shipped queries on a CURRENT ClickHouse engine, embedded by chdb.

The end-to-end tests use Debian's ClickHouse 18.16; production runs a current release. This proves the same
schemas/clickhouse/*.sql and schemas/queries/*.sql work there too:

  * the DDL applies (split exactly as schemas/clickhouse/migrate.ts does, with `telemetry` as the current
    database), and applies again unchanged (migrate runs at every consumer start);
  * DESCRIBE TABLE equals the column declaration in schemas/ (name, type, order) for events, spans,
    metric_points and logs;
  * the sample rows (scripts/sample-rows.ts: the golden examples through the gateway's and consumer's own
    steps) insert, twice, the second copy standing for a batch replayed after a consumer crash; for spans and
    metric_points the materialized views fill spans_by_trace and metric_rollup_1m from both inserts;
  * the cluster form of the DDL (CLICKHOUSE_CLUSTER, printed by scripts/migrate.ts --print) parses on the
    current engine (formatQuery; chdb has no Keeper and no cluster, so it cannot create them), each declared
    sharding key evaluates to an integer on the sample rows of its table, and the consumers' insert setting
    insert_distributed_sync exists;
  * every shipped query, bound by scripts/query.ts --sql, runs; FINAL collapses the replay (totals equal the
    number of sample rows, with merges stopped so the duplicates are really there); app_events returns
    exactly the shop-web rows; trace, slowest_traces, latency_per_minute, error_rate_per_minute,
    metric_series and node_runtime return the values of the golden spans and metric points, once each.

Run it through scripts/check-chdb.sh, which makes the venv with the pinned chdb. Prints one line per check
and a closing `chdb: N passed, M failed`; exits 1 if any check failed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DDL_DIR = ROOT / "schemas" / "clickhouse"
QUERY_DIR = ROOT / "schemas" / "queries"
NODE = os.environ.get("NODE_BIN") or str(ROOT / "node_modules" / ".bin" / "node")
DATABASE = "telemetry"

# Values for the parameters a query declares; the time window is wide enough for every sample row.
PARAM_VALUES = {
    "app_id": "shop-web",
    "from": "2025-01-01T00:00:00Z",
    "to": "2027-01-01T00:00:00Z",
    # the spans / metrics / logs golden examples (schemas/examples/{spans,metrics,logs}-batch.json)
    "trace_id": "5b8efff798038103d269b633813fc60c",
    "service": "checkout-api",
    "name": "v8js.memory.heap.used",
    "step": "300",
}

# The typed tables filled from their golden examples (scripts/sample-rows.ts --table NAME).
TYPED_TABLES = ["spans", "metric_points", "logs"]

try:
    import chdb
    from chdb import session as chdb_session
except ImportError as err:  # pragma: no cover - only when run outside the venv
    sys.exit(f"check_chdb: cannot import chdb ({err}): run scripts/check-chdb.sh")


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def ok(self, what: str) -> None:
        self.passed += 1
        print(f"ok   {what}", flush=True)

    def fail(self, what: str, detail: str = "") -> None:
        self.failed += 1
        print(f"FAIL {what}" + (f": {detail}" if detail else ""), flush=True)

    def check(self, cond: bool, what: str, detail: str = "") -> bool:
        if cond:
            self.ok(what)
        else:
            self.fail(what, detail)
        return cond


def ddl_statements() -> list[tuple[str, str]]:
    """schemas/clickhouse/migrate.ts ddlStatements(): split on `;` at line end, drop `--` lines, skip empty."""
    out = []
    for path in sorted(p for p in DDL_DIR.iterdir() if p.name.endswith(".sql")):
        for chunk in re.split(r";\s*(?:\n|\Z)", path.read_text(encoding="utf8")):
            sql = "\n".join(line for line in chunk.split("\n") if not line.strip().startswith("--")).strip()
            if sql:
                out.append((path.name, sql))
    return out


def query_params(text: str) -> list[str]:
    """Parameter names from `-- @param name Type [default]` header lines (as schemas/queries/catalog.ts)."""
    names = []
    for line in text.split("\n"):
        if line.startswith("--"):
            body = re.sub(r"^--\s?", "", line)
            if body.startswith("@param "):
                names.append(body.split()[1])
    return names


def node(*args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run([NODE, *args], cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise RuntimeError(f"node {' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def first_line(text: str) -> str:
    return " ".join(text.split())[:100]


def describe_diff(expected: dict[str, str], actual: list[tuple[str, str]]) -> list[str]:
    diffs = []
    actual_map = dict(actual)
    for name, typ in expected.items():
        if name not in actual_map:
            diffs.append(f"missing column {name} {typ}")
        elif actual_map[name] != typ:
            diffs.append(f"{name}: table has {actual_map[name]}, schemas/event.ts declares {typ}")
    for name, typ in actual:
        if name not in expected:
            diffs.append(f"extra column {name} {typ}")
    if not diffs and [n for n, _ in actual] != list(expected):
        diffs.append(f"column order differs: table {[n for n, _ in actual]}")
    return diffs


def main() -> int:
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="check-chdb-") as tmp:
        sess = chdb_session.Session(str(Path(tmp) / "db"))
        try:
            run(c, sess)
        finally:
            sess.close()
    print(f"chdb: {c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


def run(c: Checks, sess) -> None:
    def q(sql: str, fmt: str = "TSV") -> str:
        return sess.query(sql, fmt).bytes().decode("utf8")

    try:
        run_checks(c, sess, q)
    finally:
        check_cluster_ddl(c, q)


def run_checks(c: Checks, sess, q) -> None:
    def q_json(sql: str) -> list[dict]:
        return json.loads(q(sql, "JSON"))["data"]

    version = q("SELECT version()").strip()
    print(f"chdb-core {getattr(chdb, '__version__', '?')}, ClickHouse engine {version}")

    # ---- DDL -----------------------------------------------------------------------------------------
    try:
        q(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
        q(f"USE {DATABASE}")
        current = q("SELECT currentDatabase()").strip()
        c.check(current == DATABASE, f"database {DATABASE} created and current", f"current database is {current!r}")
    except Exception as err:
        c.fail(f"database {DATABASE} created and current", str(err))
        return

    statements = ddl_statements()
    if not c.check(bool(statements), f"DDL statements found in {DDL_DIR.relative_to(ROOT)}", "none"):
        return
    for attempt in ("apply", "re-apply"):
        number: dict[str, int] = {}
        for file, sql in statements:
            number[file] = number.get(file, 0) + 1
            what = f"DDL {attempt} {file} #{number[file]} ({first_line(sql)[:60]})"
            try:
                q(sql)
                c.ok(what)
            except Exception as err:
                c.fail(what, str(err).strip())

    # ---- columns -------------------------------------------------------------------------------------
    for table in ["events", *TYPED_TABLES]:
        try:
            expected = json.loads(node("scripts/sample-rows.ts", "--table", table, "--columns"))
            rows = q_json(f"DESCRIBE TABLE telemetry.{table}")
            actual = [(r["name"], r["type"]) for r in rows]
            diffs = describe_diff(expected, actual)
            c.check(not diffs, f"DESCRIBE TABLE {table} matches its declaration in schemas/ ({len(expected)} columns)", "; ".join(diffs))
        except Exception as err:
            c.fail(f"DESCRIBE TABLE {table} matches its declaration in schemas/", str(err).strip())

    # ---- typed sample rows (spans, metric points, log records), inserted twice -----------------------------
    for table in TYPED_TABLES:
        try:
            text = node("scripts/sample-rows.ts", "--table", table)
            n_typed = len([line for line in text.splitlines() if line.strip()])
            q(f"SYSTEM STOP MERGES {table}")
            for _ in range(2):
                q(f"INSERT INTO {table} FORMAT JSONEachRow\n" + text)
            raw = int(q_json(f"SELECT count() AS n FROM {table}")[0]["n"])
            final = int(q_json(f"SELECT count() AS n FROM {table} FINAL")[0]["n"])
            c.check(n_typed > 0 and raw == 2 * n_typed and final == n_typed, f"{table}: {n_typed} sample rows inserted twice, {raw} on disk, {final} under FINAL", f"expected {2 * n_typed} and {n_typed}")
        except Exception as err:
            c.fail(f"{table}: insert sample rows twice", str(err).strip())

    # ---- sample rows, inserted twice --------------------------------------------------------------------
    try:
        sample_text = node("scripts/sample-rows.ts")
        sample = [json.loads(line) for line in sample_text.splitlines() if line.strip()]
    except Exception as err:
        c.fail("sample rows from scripts/sample-rows.ts", str(err).strip())
        return
    n = len(sample)
    if not c.check(n > 0, f"sample rows from scripts/sample-rows.ts ({n} rows)", "no rows"):
        return
    shop_web = {r["backend_id"] for r in sample if r["app_id"] == "shop-web"}

    try:
        # Merges stopped: the replayed copy stays a separate part, so only FINAL can collapse it.
        q("SYSTEM STOP MERGES events")
        for label in ("insert", "insert again (replayed batch)"):
            q("INSERT INTO events FORMAT JSONEachRow\n" + sample_text)
            c.ok(f"{label}: {n} rows")
        raw = int(q_json("SELECT count() AS n FROM events")[0]["n"])
        c.check(raw == 2 * n, f"table holds both copies without FINAL ({raw} rows)", f"expected {2 * n}")
    except Exception as err:
        c.fail("insert sample rows twice", str(err).strip())
        return

    # ---- OpenTelemetry exporter views (schemas/clickhouse/current/, current engines only) -------------------
    check_otel_views(c, q, q_json)
    check_grafana_panels(c, q_json)

    # ---- shipped queries ---------------------------------------------------------------------------------
    query_files = sorted(p for p in QUERY_DIR.iterdir() if p.name.endswith(".sql"))
    c.check(bool(query_files), f"shipped queries found in {QUERY_DIR.relative_to(ROOT)} ({len(query_files)})", "none")
    for path in query_files:
        name = path.stem
        params = query_params(path.read_text(encoding="utf8"))
        args = [f"{p}={PARAM_VALUES[p]}" for p in params if p in PARAM_VALUES]
        try:
            sql = node("scripts/query.ts", name, "--sql", *args).strip()
        except Exception as err:
            c.fail(f"query {name}: bind with scripts/query.ts --sql", str(err).strip())
            continue
        try:
            rows = q_json(sql)
        except Exception as err:
            c.fail(f"query {name} runs", f"{str(err).strip()}\n--- bound SQL:\n{sql}\n---")
            continue
        c.ok(f"query {name} runs ({len(rows)} rows; {' '.join(args) or 'defaults'})")

        if name == "events_per_minute":
            total = sum(int(r["events"]) for r in rows)
            c.check(total == n, f"events_per_minute total {total} == {n} sample rows (the replay counted once)", f"expected {n}")
        elif name in ("top_countries", "top_event_names"):
            total = sum(int(r["events"]) for r in rows)
            c.check(total == n, f"{name} total {total} == {n} sample rows", f"expected {n}")
        elif name in TYPED_EXPECTATIONS:
            expected = TYPED_EXPECTATIONS[name]
            got = [{k: numeric(r.get(k)) for k in expected[0]} for r in rows] if expected else rows
            want = [{k: numeric(v) for k, v in e.items()} for e in expected]
            c.check(got == want, f"{name} returns the golden values once each", f"got {got}, expected {want}")
        elif name == "app_events":
            got = [r["backend_id"] for r in rows]
            others = sorted(set(got) - shop_web)
            c.check(
                not others and len(got) == len(shop_web) and set(got) == shop_web,
                f"app_events returns exactly the {len(shop_web)} shop-web rows, once each",
                f"got {len(got)} rows ({len(set(got))} distinct), {len(others)} not shop-web, expected {len(shop_web)}",
            )


def check_cluster_ddl(c: Checks, q) -> None:
    """The statements `npm run migrate` applies with CLICKHOUSE_CLUSTER=telemetry, as far as chdb can go."""
    try:
        cluster = json.loads(node("scripts/migrate.ts", "--print", env={"CLICKHOUSE_CLUSTER": "telemetry", "CLICKHOUSE_DATABASE": DATABASE}))
        declared = json.loads(node("scripts/migrate.ts", "--print", env={"CLICKHOUSE_CLUSTER": "", "CLICKHOUSE_DATABASE": DATABASE}))
    except Exception as err:
        c.fail("cluster DDL from scripts/migrate.ts --print", str(err).strip())
        return
    c.check(len(cluster) > len(declared), f"cluster DDL: {len(cluster)} statements for {len(declared)} declared")
    for st in cluster:
        what = f"cluster DDL parses: {first_line(st['sql'])[:70]}"
        try:
            formatted = q("SELECT formatQuery(" + sql_string(st["sql"]) + ")").strip()
            c.check("ON CLUSTER telemetry" in formatted.replace("`", ""), what, formatted[:200])
        except Exception as err:
            c.fail(what, str(err).strip())
    for st in declared:
        if "shardKey" not in st:
            continue
        table = re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", st["sql"]).group(1)
        what = f"sharding key of {table} ({st['shardKey']}) is an integer on its sample rows"
        try:
            types = q(f"SELECT DISTINCT toTypeName({st['shardKey']}) FROM {table}").split()
            c.check(types == ["UInt64"], what, f"types {types}")
        except Exception as err:
            c.fail(what, str(err).strip())
    rows = q("SELECT name FROM system.settings WHERE name = 'insert_distributed_sync'").split()
    c.check(rows == ["insert_distributed_sync"], "setting insert_distributed_sync (the consumers' cluster insert) exists")


def sql_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# The OpenTelemetry Collector ClickHouse exporter's columns, in its order (what Grafana and HyperDX read).
OTEL_COLUMNS = {
    "otel_traces": ["Timestamp", "TraceId", "SpanId", "ParentSpanId", "TraceState", "SpanName", "SpanKind", "ServiceName", "ResourceAttributes", "ScopeName", "ScopeVersion", "SpanAttributes", "Duration", "StatusCode", "StatusMessage", "Events.Timestamp", "Events.Name", "Events.Attributes", "Links.TraceId", "Links.SpanId", "Links.TraceState", "Links.Attributes"],
    "otel_logs": ["Timestamp", "TimestampTime", "TraceId", "SpanId", "TraceFlags", "SeverityText", "SeverityNumber", "ServiceName", "Body", "ResourceSchemaUrl", "ResourceAttributes", "ScopeSchemaUrl", "ScopeName", "ScopeVersion", "ScopeAttributes", "LogAttributes", "EventName"],
}


def check_otel_views(c: Checks, q, q_json) -> None:
    """The views apply (twice: CREATE OR REPLACE), have the exporter's columns, and show the sample spans and logs once each."""
    current = DDL_DIR / "current"
    statements = []
    for path in sorted(p for p in current.iterdir() if p.name.endswith(".sql")):
        for chunk in re.split(r";\s*(?:\n|\Z)", path.read_text(encoding="utf8")):
            sql = "\n".join(line for line in chunk.split("\n") if not line.strip().startswith("--")).strip()
            if sql:
                statements.append((path.name, sql))
    for attempt in ("apply", "re-apply"):
        for file, sql in statements:
            try:
                q(sql)
                c.ok(f"current-engine DDL {attempt} {file} ({first_line(sql)[:50]})")
            except Exception as err:
                c.fail(f"current-engine DDL {attempt} {file}", str(err).strip())
                return
    for view, columns in OTEL_COLUMNS.items():
        names = [r["name"] for r in q_json(f"DESCRIBE TABLE {view}")]
        c.check(names == columns, f"{view} has the OpenTelemetry exporter's columns ({len(columns)})", f"got {names}")
    trace = PARAM_VALUES["trace_id"]
    ours = q_json(f"SELECT span_id AS id, parent_span_id AS parent, toString(duration_ns) AS d, name FROM spans FINAL WHERE trace_id = '{trace}' ORDER BY id")
    theirs = q_json(f"SELECT SpanId AS id, ParentSpanId AS parent, toString(Duration) AS d, SpanName AS name FROM otel_traces WHERE TraceId = '{trace}' ORDER BY id")
    c.check(bool(ours) and ours == theirs, f"otel_traces shows the trace's {len(ours)} spans once each, with parents and durations", f"got {theirs}, expected {ours}")
    attrs = q_json("SELECT SpanAttributes['http.route'] AS route, SpanKind AS kind, StatusCode AS status FROM otel_traces WHERE ParentSpanId = '' AND TraceId = '" + trace + "'")
    c.check(attrs == [{"route": "/cart", "kind": "Server", "status": "Ok"}], "otel_traces maps attributes, kind and status as the exporter writes them", f"got {attrs}")
    n_logs = int(q_json("SELECT count() AS n FROM logs FINAL")[0]["n"])
    n_otel = int(q_json("SELECT count() AS n FROM otel_logs")[0]["n"])
    with_trace = q_json(f"SELECT Body AS body, SeverityNumber AS sev FROM otel_logs WHERE TraceId = '{trace}'")
    c.check(n_logs > 0 and n_otel == n_logs and len(with_trace) > 0, f"otel_logs shows the {n_logs} log records once each ({len(with_trace)} of the trace)", f"otel_logs {n_otel}, logs {n_logs}")


GRAFANA_DASHBOARD = ROOT / "compose" / "grafana" / "dashboards" / "telemetry.json"
# What Grafana's ClickHouse data source puts in place of its macros and the dashboard's variables
GRAFANA_SUBSTITUTIONS = {
    "$__fromTime": "toDateTime('2025-01-01 00:00:00')",
    "$__toTime": "toDateTime('2027-01-01 00:00:00')",
    "${service:sqlstring}": "'*'",
    "${app_id:sqlstring}": "'shop-web'",
}


def check_grafana_panels(c: Checks, q_json) -> None:
    """Every panel of the provisioned Grafana dashboard runs on the current engine (macros and variables substituted)."""
    panels = [p for p in json.loads(GRAFANA_DASHBOARD.read_text(encoding="utf8"))["panels"] if p["type"] != "row"]
    for p in panels:
        for t in p["targets"]:
            sql = t["rawSql"]
            for macro, value in GRAFANA_SUBSTITUTIONS.items():
                sql = sql.replace(macro, value)
            try:
                rows = q_json(sql)
                left = re.findall(r"\$\{?\w+", sql)
                c.check(not left, f"grafana panel {p['title']!r} runs ({len(rows)} rows)", f"unsubstituted {left}")
            except Exception as err:
                c.fail(f"grafana panel {p['title']!r} runs", f"{str(err).strip()[:400]}\n--- SQL:\n{sql}")


def numeric(v):
    """64-bit integers come quoted or not depending on the engine's JSON settings: compare numbers as floats."""
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and re.fullmatch(r"\d+", v):
        return float(v)
    return v


# What the typed queries must return for the golden spans and metric points (inserted twice: the replay must
# not show). Numbers are compared as floats (numeric()), whether the engine quotes 64-bit integers or not.
TYPED_EXPECTATIONS = {
    "trace": [
        {"span_id": "eee19b7ec3c1b174", "parent_span_id": "", "name": "GET /cart", "duration_ns": "120500000", "status_code": "ok"},
        {"span_id": "eee19b7ec3c1b175", "parent_span_id": "eee19b7ec3c1b174", "name": "load cart", "duration_ns": "98000000", "status_code": "unset"},
        {"span_id": "eee19b7ec3c1b176", "parent_span_id": "eee19b7ec3c1b175", "name": "SELECT carts", "duration_ns": "92000000", "status_code": "error"},
    ],
    "slowest_traces": [{"trace_id": "5b8efff798038103d269b633813fc60c", "duration_ms": 120.5, "spans": "2", "errors": "0", "first_operation": "GET /cart"}],
    "error_rate_per_minute": [{"service": "checkout-api", "spans": "2", "errors": "0"}],
    "latency_per_minute": [
        {"service": "checkout-api", "operation": "GET /cart", "spans": "1", "p50_ms": 120.5},
        {"service": "checkout-api", "operation": "load cart", "spans": "1", "p50_ms": 98},
    ],
    "metric_series": [
        {"attributes": '{"v8js.heap.space.name":"new_space"}', "point_count": "1", "last_of_step": 10485760},
        {"attributes": '{"v8js.heap.space.name":"old_space"}', "point_count": "1", "last_of_step": 52428800},
    ],
    "node_runtime": [{"service": "checkout-api", "eventloop_delay_p99_ms": 31.1, "heap_used_mb": 60, "cpu_percent": 25}],
}


if __name__ == "__main__":
    sys.exit(main())
