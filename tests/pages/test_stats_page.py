"""/staff/statistik and its CSV: charts are valid SVG, the tables carry the API's numbers, roles."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from booking.stats.charts import bar_chart, line_chart
from tests.pages.test_staff_console import html_of, signed_in
from tests.stats_data import EXPECTED_MARCH_PRIVATE, arrange

PAGE = "/staff/statistik"
CSV = "/staff/statistik.csv"
QUERY = "?from=2027-03-01&to=2027-04-30&group_by=month"
SVG = "{http://www.w3.org/2000/svg}"


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", html, flags=re.S)]


def _table(html: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', html, flags=re.S)
    assert body is not None
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in rows
    ]


def test_page_shows_charts_and_tables_with_the_apis_numbers(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    arrange(app, client, world)
    api = client.get(f"/api/v1/stats{QUERY}", headers=world.admin).json
    html = html_of(signed_in(client, world.service_center).get(PAGE + QUERY))

    charts = _svgs(html)
    assert len(charts) == 5
    for svg in charts:
        assert svg.get("role") == "img"
        assert svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}desc") is not None
        # The CSP forbids inline styles and scripts; nothing is fetched from elsewhere.
        for element in svg.iter():
            assert "style" not in element.attrib
            assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}image")
            assert not any("href" in key for key in element.attrib)
    assert "<script" not in html and " style=" not in html

    nki_rows = _table(html, "table-nki")
    assert [row[:2] for row in nki_rows] == [
        [row["period"], row["team_name"]] for row in api["rows"]
    ]
    march = api["rows"][0]
    assert march["nki"] == EXPECTED_MARCH_PRIVATE["nki"]
    assert nki_rows[0][2:] == ["83,3 (osäker)", "2"]
    assert nki_rows[1][2:] == ["–", "0"]
    lead_rows = _table(html, "table-lead")
    assert lead_rows[0][2:] == ["3,0", "3"]
    first_slot = EXPECTED_MARCH_PRIVATE["request_to_first_slot_days"]
    assert march["request_to_first_slot_days"] == first_slot
    assert _table(html, "table-first-slot")[0][2:] == ["1,0", "4"]
    # March over both teams: 1 no-show of 3 with an outcome, 1 cancelled of 4 bookings.
    assert _table(html, "table-rates")[0] == ["2027-03", "1", "3", "33,3 %", "1", "4", "25,0 %"]
    assert _table(html, "table-callbacks")[0] == ["2027-03", "1", "1", "100,0 %"]
    assert _table(html, "table-bookings")[0][2:] == ["4", "3", "1", "1", "2", "1", "2"]
    # The NKI chart's marker for the private team in March sits at 83.3 on the 0–100 scale.
    assert "Statistik" in html and 'aria-current="page"' in html


def test_csv_download(app: Flask, client: FlaskClient, world: Any) -> None:
    arrange(app, client, world)
    response = signed_in(client, world.admin).get(CSV + QUERY)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="statistik-2027-03-01-2027-04-30.csv"'
    )
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["period", "från", "till", "team"]
    assert len(rows) == 5
    march = dict(zip(rows[0], rows[1], strict=True))
    assert march["team"] == "bygglov-privat"
    assert march["bokningar"] == "4" and march["webb"] == "3" and march["servicecenter"] == "1"
    assert march["andel uteblivna"] == "0,3333" and march["med utfall"] == "3"
    assert march["ledtid dagar (median)"] == "3,0000" and march["NKI"] == "83,3000"
    assert march["svar"] == "2" and march["NKI osäker"] == "ja"
    assert march["första lediga tid dagar (median)"] == "1,0000"
    assert march["första lediga tid antal"] == "4"


def test_csv_cells_cannot_become_formulas(app: Flask, client: FlaskClient, factory: Any) -> None:
    meeting_type = factory.meeting_type()
    factory.team(meeting_types=[meeting_type], slug="formel", name='=HYPERLINK("x")')
    admin = factory.token("admin")
    text = signed_in(client, admin).get(CSV + QUERY).get_data(as_text=True)
    assert "'=HYPERLINK" in text
    assert ";=HYPERLINK" not in text


@pytest.mark.parametrize("path", [PAGE, CSV])
def test_officers_get_403(client: FlaskClient, factory: Any, world: Any, path: str) -> None:
    officer = factory.token("officer", officer_id=world.private_officers[0])
    response = signed_in(client, officer).get(path)
    assert response.status_code == 403


def test_officer_has_no_link_and_staff_do(client: FlaskClient, factory: Any, world: Any) -> None:
    officer = factory.token("officer", officer_id=world.private_officers[0])
    assert "/staff/statistik" not in html_of(signed_in(client, officer).get("/staff"))


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?from=2027-03-10&to=2027-03-01", "to", "får inte vara före"),
        ("?from=2024-01-01&to=2027-03-01", "to", "högst"),
        ("?from=mars&to=2027-03-01", "from", "ÅÅÅÅ-MM-DD"),
        ("?from=2027-03-01&to=2027-03-31&team=okand", "team", "Välj ett team"),
        ("?from=2027-03-01&to=2027-03-31&group_by=dag", "group_by", "månad eller vecka"),
    ],
)
def test_bad_period_is_explained(
    client: FlaskClient, world: Any, query: str, field: str, message: str
) -> None:
    signed_in(client, world.admin)
    response = client.get(PAGE + query)
    html = html_of(response)
    assert response.status_code == 422
    assert f'href="#field-{field}"' in html and message in html
    assert "<title>Fel:" in html
    assert client.get(CSV + query).status_code == 422


def test_default_period_renders(client: FlaskClient, world: Any) -> None:
    response = signed_in(client, world.service_center).get(PAGE)
    assert response.status_code == 200
    assert len(_svgs(html_of(response))) == 5


def test_charts_parse_and_tell_series_apart_without_colour() -> None:
    line = ET.fromstring(
        line_chart(
            chart_id="c",
            title="NKI <&>",
            desc="d",
            x_labels=["2027-01", "2027-02", "2027-03"],
            series=[("A", [50.0, None, 70.0]), ("B", [10.0, 20.0, 30.0])],
            x_label="Månad",
            y_label="NKI",
            y_max=100,
        )
    )
    assert line.findtext(f"{SVG}title") == "NKI <&>"
    # Series A is broken by its missing period: markers only; B is one dashed polyline.
    polylines = line.findall(f"{SVG}polyline")
    assert len(polylines) == 1 and polylines[0].get("stroke-dasharray") == "6 3"
    assert len(line.findall(f"{SVG}circle")) == 3  # two of A's, one in the legend
    assert len(line.findall(f"{SVG}rect")) >= 4  # background + B's squares
    bars = ET.fromstring(
        bar_chart(
            chart_id="b",
            title="t",
            desc="d",
            x_labels=["v1"],
            series=[("Uteblivna", [25.0]), ("Avbokade", [None])],
            x_label="Vecka",
            y_label="%",
            y_max=100,
            unit=" %",
        )
    )
    labels = [t.text for t in bars.iter(f"{SVG}text")]
    assert "25 %" in labels and "Uteblivna" in labels and "Avbokade" in labels
