"""Statistik: the department's figures as SVG charts with data tables, and as CSV (console)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flask import Response, current_app, render_template, request
from markupsafe import Markup
from marshmallow import ValidationError

from booking.clock import now
from booking.config_cache import current_config
from booking.fields import office_zone
from booking.stats.charts import bar_chart, line_chart
from booking.stats.schemas import StatsQuerySchema
from booking.stats.service import MAX_STATS_DAYS, STATS_ROLES, department_stats
from booking.web.staff import bp
from booking.web.staff.auth import require_role

GROUP_NAMES = {"month": "Månad", "week": "Vecka"}
# Cells a spreadsheet would read as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _messages(raw: Mapping[str, str], errors: Mapping[str, Any]) -> dict[str, list[str]]:
    messages: dict[str, list[str]] = {}
    if "from" in errors:
        messages["from"] = ["Ange startdatum som ÅÅÅÅ-MM-DD."]
    if "to" in errors:
        first, last = raw.get("from", ""), raw.get("to", "")
        if "from" not in errors and len(last) == 10 and last < first:
            messages["to"] = ["Slutdatumet får inte vara före startdatumet."]
        elif "from" not in errors and len(last) == 10:
            messages["to"] = [f"Perioden får vara högst {MAX_STATS_DAYS} dagar (två år)."]
        else:
            messages["to"] = ["Ange slutdatum som ÅÅÅÅ-MM-DD."]
    if "team" in errors:
        messages["team"] = ["Välj ett team i listan."]
    if "group_by" in errors:
        messages["group_by"] = ["Välj månad eller vecka."]
    return messages


def _query() -> tuple[dict[str, Any] | None, dict[str, list[str]], dict[str, str]]:
    today = now().astimezone(office_zone()).date()
    # Default: this month and the five before it, all teams, by month.
    first = (today.replace(day=1) - timedelta(days=150)).replace(day=1)
    raw = {"from": first.isoformat(), "to": today.isoformat(), "team": "", "group_by": "month"}
    raw.update({k: request.args[k] for k in raw if k in request.args})
    given = {k: v for k, v in raw.items() if v != ""}
    try:
        query: dict[str, Any] = StatsQuerySchema().load(given)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {}
        return None, _messages(raw, errors), raw
    slugs = {team.slug for team in current_config().teams.values()}
    if query["team"] is not None and query["team"] not in slugs:
        return None, _messages(raw, {"team": True}), raw
    return query, {}, raw


def _stats(query: dict[str, Any]) -> dict[str, Any]:
    return department_stats(
        first_day=query["from_"],
        last_day=query["to"],
        team_slug=query["team"],
        group_by=query["group_by"],
        min_answers=int(current_app.config["BOOKING_STATS_MIN_ANSWERS"]),
        now=now(),
    )


def _share(count: int, total: int) -> float | None:
    return round(count / total * 100, 1) if total else None


def _by_period(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sum the teams' counts per period, for the rate charts."""
    periods: dict[str, dict[str, Any]] = {}
    for row in rows:
        total = periods.setdefault(
            row["period"],
            {
                "period": row["period"],
                "bookings": 0,
                "cancelled": 0,
                "no_show": 0,
                "judged": 0,
                "kept": 0,
                "decided": 0,
            },
        )
        total["bookings"] += row["bookings"]["count"]
        total["cancelled"] += row["cancellations"]["count"]
        total["no_show"] += row["no_show"]["count"]
        total["judged"] += row["no_show"]["n"]
        total["kept"] += row["callback_promises_kept"]["count"]
        total["decided"] += row["callback_promises_kept"]["n"]
    for total in periods.values():
        total["cancel_share"] = _share(total["cancelled"], total["bookings"])
        total["no_show_share"] = _share(total["no_show"], total["judged"])
        total["kept_share"] = _share(total["kept"], total["decided"])
    return list(periods.values())


def _charts(stats: dict[str, Any]) -> dict[str, Markup]:
    rows = stats["rows"]
    labels = list(dict.fromkeys(row["period"] for row in rows))
    teams = list(dict.fromkeys((row["team"], row["team_name"]) for row in rows))

    def per_team(pick: Any) -> list[tuple[str, list[float | None]]]:
        cells = {(row["period"], row["team"]): pick(row) for row in rows}
        return [(name, [cells.get((p, slug)) for p in labels]) for slug, name in teams]

    totals = _by_period(rows)
    x_label = GROUP_NAMES[stats["group_by"]]
    charts = {
        "nki": line_chart(
            chart_id="chart-nki",
            title="NKI per team",
            desc="Nöjd kund-index (0–100) per team och period; siffrorna finns i tabellen intill.",
            x_labels=labels,
            series=per_team(lambda row: row["nki"]["value"]),
            x_label=x_label,
            y_label="NKI (0–100)",
            y_max=100,
        ),
        "lead": line_chart(
            chart_id="chart-lead",
            title="Ledtid från bokning till möte",
            desc="Median i dagar per team och period; siffrorna finns i tabellen intill.",
            x_labels=labels,
            series=per_team(lambda row: row["lead_time_days"]["value"]),
            x_label=x_label,
            y_label="Dagar (median)",
        ),
        "first_slot": line_chart(
            chart_id="chart-first-slot",
            title="Väntan på första lediga tid",
            desc=(
                "Median i dagar från begäran till den första lediga tid teamet kunde erbjuda, "
                "per team och period; siffrorna finns i tabellen intill."
            ),
            x_labels=labels,
            series=per_team(lambda row: row["request_to_first_slot_days"]["value"]),
            x_label=x_label,
            y_label="Dagar (median)",
        ),
        "rates": bar_chart(
            chart_id="chart-rates",
            title="Uteblivna besök och avbokningar",
            desc="Andel i procent per period, alla valda team; siffrorna finns i tabellen intill.",
            x_labels=labels,
            series=[
                ("Uteblivna besök", [t["no_show_share"] for t in totals]),
                ("Avbokningar", [t["cancel_share"] for t in totals]),
            ],
            x_label=x_label,
            y_label="Andel (%)",
            y_max=100,
            unit=" %",
        ),
        "callbacks": bar_chart(
            chart_id="chart-callbacks",
            title="Återuppringningslöften som hölls",
            desc="Andel i procent per period, alla valda team; siffrorna finns i tabellen intill.",
            x_labels=labels,
            series=[("Hållna löften", [t["kept_share"] for t in totals])],
            x_label=x_label,
            y_label="Andel (%)",
            y_max=100,
            unit=" %",
        ),
    }
    # Built from escaped text and numbers only (charts.py), so safe to inline.
    return {name: Markup(svg) for name, svg in charts.items()}  # noqa: S704


def number(value: float | None, digits: int = 1) -> str:
    """Return a figure the Swedish way (decimal comma), or an en dash for no figure."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}".replace(".", ",")


@bp.get("/statistik")
def statistics() -> Any:
    """Figures as charts with data tables beside them (service center, admin)."""
    require_role(*STATS_ROLES)
    query, errors, raw = _query()
    teams = sorted(current_config().teams.values(), key=lambda t: t.id)
    context: dict[str, Any] = {
        "errors": errors,
        "values": raw,
        "teams": teams,
        "group_names": GROUP_NAMES,
        "number": number,
        "stats": None,
    }
    if query is None:
        return render_template("web/staff/stats.html", **context), 422
    stats = _stats(query)
    context.update(stats=stats, charts=_charts(stats), totals=_by_period(stats["rows"]))
    return render_template("web/staff/stats.html", **context)


def _cell(value: Any) -> str:
    text = number(value, 4) if isinstance(value, float) else ("" if value is None else str(value))
    if isinstance(value, bool):
        text = "ja" if value else "nej"
    return "'" + text if text.startswith(FORMULA_STARTS) else text


CSV_COLUMNS = (
    "period",
    "från",
    "till",
    "team",
    "teamnamn",
    "bokningar",
    "webb",
    "servicecenter",
    "telefon",
    "video",
    "på plats",
    "avbokade",
    "andel avbokade",
    "uteblivna",
    "med utfall",
    "andel uteblivna",
    "ledtid dagar (median)",
    "ledtid antal",
    "första lediga tid dagar (median)",
    "första lediga tid antal",
    "löften hållna",
    "löften avgjorda",
    "andel hållna",
    "svar",
    "NKI",
    "NKI osäker",
)


def _csv_row(row: dict[str, Any]) -> list[Any]:
    bookings = row["bookings"]
    return [
        row["period"],
        row["period_from"].isoformat(),
        row["period_to"].isoformat(),
        row["team"],
        row["team_name"],
        bookings["count"],
        bookings["by_channel"]["web"],
        bookings["by_channel"]["service_center"],
        bookings["by_mode"]["phone"],
        bookings["by_mode"]["video"],
        bookings["by_mode"]["in_person"],
        row["cancellations"]["count"],
        row["cancellations"]["value"],
        row["no_show"]["count"],
        row["no_show"]["n"],
        row["no_show"]["value"],
        row["lead_time_days"]["value"],
        row["lead_time_days"]["n"],
        row["request_to_first_slot_days"]["value"],
        row["request_to_first_slot_days"]["n"],
        row["callback_promises_kept"]["count"],
        row["callback_promises_kept"]["n"],
        row["callback_promises_kept"]["value"],
        row["responses"],
        row["nki"]["value"],
        row["nki"]["flagged"],
    ]


@bp.get("/statistik.csv")
def statistics_csv() -> Any:
    """The same figures as CSV (semicolons and decimal commas, as Swedish spreadsheets read)."""
    require_role(*STATS_ROLES)
    query, errors, _ = _query()
    if query is None:
        message = " ".join(m for messages in errors.values() for m in messages)
        return Response(message, status=422, mimetype="text/plain")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in _stats(query)["rows"]:
        writer.writerow([_cell(value) for value in _csv_row(row)])
    first: date = query["from_"]
    last: date = query["to"]
    name = f"statistik-{first.isoformat()}-{last.isoformat()}.csv"
    # A byte-order mark so that Excel reads the file as UTF-8 (å, ä, ö).
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
