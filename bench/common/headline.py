#!/usr/bin/env python3
"""The headline of a bench that prints no SUMMARY line, from its markdown
tables (bench/run-all). Usage: headline.py BENCH LOG. Prints SUMMARY lines
("SUMMARY|bench|what|ours|yardstick|ratio|aim|met", bench/common/summary.h);
nothing when the log holds no table it knows. Medians over the runs."""
import re
import statistics
import sys


def tables(text):
    """Every markdown table of `text` as a list of {header: cell} rows."""
    out, rows, header = [], [], None
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = cells
            elif not all(re.fullmatch(r":?-+:?", c) for c in cells if c):
                rows.append(dict(zip(header, cells)))
            continue
        if header is not None:
            out.append(rows)
        rows, header = [], None
    return out


def number(cell):
    m = re.search(r"-?[0-9][0-9,]*(\.[0-9]+)?", cell or "")
    return float(m.group(0).replace(",", "")) if m else None


def column(rows, match, name_part, col_part, exact=False):
    """Values of the first column whose header holds `col_part`, in the rows
    whose row-name column (the one whose header holds `name_part`) holds
    `match` (is `match`, with `exact`: "intake Stream" is not "intake Stream,
    batched", and "first" is not "plain pipeline, first batch")."""
    vals = []
    for r in rows:
        name = next((v for k, v in r.items() if name_part in k), "")
        if (name != match) if exact else (match not in name):
            continue
        v = next((number(v) for k, v in r.items() if col_part in k), None)
        if v is not None:
            vals.append(v)
    return vals


def median(vals):
    return statistics.median(vals) if vals else None


def line(bench, what, ours, yardstick, ratio, aim, met):
    f = lambda v: "—" if v is None or v == "" else str(v)
    print("SUMMARY|" + "|".join(f(v) for v in
                                (bench, what, ours, yardstick, ratio, aim, met)))


def met(value, aim):
    return "—" if value is None else ("yes" if value >= aim else "no")


def fmt(v, digits=0):
    return None if v is None else f"{v:.{digits}f}"


def per_run(rows):
    """The rows of per-run tables (a "run" column), not the summary tables'
    medians."""
    return [r for r in rows if r.get("run", "").isdigit()]


def intake(rows):
    rows = per_run(rows)
    for path, aim in (("intake Submit", 0.5), ("intake Stream, batched", 0.4),
                      ("intake Stream", 0.4)):
        rate = median(column(rows, path, "path", "reports/s", exact=True))
        ratio = median(column(rows, path, "path", "× plain", exact=True))
        if rate is None:
            continue
        plain = median(column(rows, "plain librdkafka", "path", "reports/s",
                              exact=True))
        line("intake", f"{path} reports/s", fmt(rate), f"plain librdkafka {fmt(plain)}",
             fmt(ratio, 2), f"≥ {aim} × plain", met(ratio, aim))


def evidence(rows):
    rows = per_run(rows)
    phase = "evidence, first → last assessment"
    rate = median(column(rows, phase, "phase", "claims/s", exact=True)) or \
        median(column(rows, "evidence", "phase", "claims/s"))
    if rate is None:
        return
    ratio = median([v for v in column(rows, phase, "phase", "×", exact=True)
                    if v])
    line("evidence", "claims/s (first → last assessment)", fmt(rate),
         "plain consume → RocksDB → produce of the same bytes", fmt(ratio, 3),
         "≥ 30000 claims/s", met(rate, 30000))


def scoring(rows):
    rate = median(column(rows, "fruition-scoring", "path", "input events/s"))
    if rate is None:
        return
    ratio = median(column(rows, "fruition-scoring", "path", "× raw"))
    line("scoring", "input events/s through both stages", fmt(rate),
         "plain librdkafka consumer", fmt(ratio, 3),
         "≥ 2 × Kafka Streams (bench/scoring-vs-streams)", "—")


def audit(rows):
    for n in ("32", "1"):
        trail = [float(r.get("appends/s", "0").replace(",", "")) for r in rows
                 if r.get("appenders") == n and r.get("path") == "trail"]
        plain = [float(r.get("appends/s", "0").replace(",", "")) for r in rows
                 if r.get("appenders") == n and r.get("path") == "plain"]
        if trail and plain:
            t, p = median(trail), median(plain)
            line("audit", f"trail appends/s, {n} appenders", fmt(t),
                 f"plain producer {fmt(p)}", fmt(t / p, 2), "—", "—")


def gateway_audit(rows):
    # By the start of the mode: "public (... not audited)" holds "audited".
    def rate(prefix):
        return median([number(r.get("reads/s")) for r in rows
                       if r.get("mode", "").startswith(prefix)
                       and number(r.get("reads/s")) is not None])
    pub, aud = rate("public"), rate("audited")
    if pub and aud:
        line("gateway-audit", "audited restricted reads/s", fmt(aud),
             f"public reads (not audited) {fmt(pub)}", fmt(aud / pub, 2), "—", "—")


def disclosure(text):
    m = re.search(r"ratio public/restricted: ([0-9.]+)", text)
    r = re.search(r"public view[^:]*:\s*([0-9.]+) us", text)
    if m and r:
        line("disclosure", "µs per public scorecard (D1–D3 + versions)", r.group(1),
             "restricted scorecard", m.group(1), "—", "—")


def main():
    bench, log = sys.argv[1], sys.argv[2]
    text = open(log, encoding="utf-8", errors="replace").read()
    rows = [r for t in tables(text) for r in t]
    handlers = {"intake": intake, "evidence": evidence, "scoring": scoring,
                "audit": audit, "gateway-audit": gateway_audit}
    if bench == "disclosure":
        disclosure(text)
    elif bench in handlers:
        handlers[bench](rows)


if __name__ == "__main__":
    main()
