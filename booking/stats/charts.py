"""Server-rendered SVG charts: no scripts, no external resources, no style attributes (CSP).

Every chart is `role="img"` with a `<title>` and `<desc>`, labelled axes, and series told apart
by marker shape, dash pattern and a text legend as well as by colour; a data table beside it on
the page carries the same numbers for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 84
# Dark enough for ≥ 4.5:1 against white (WCAG non-text contrast asks 3:1).
COLOURS = ("#0b4f8a", "#9c2a00", "#1d5e20", "#5b2a86", "#222222")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 1")
MARKERS = ("circle", "square", "triangle", "diamond", "cross")

Series = tuple[str, Sequence[float | None]]


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "triangle":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if kind == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return (
        f'<path d="M{x - 4:.1f} {y - 4:.1f}L{x + 4:.1f} {y + 4:.1f}M{x - 4:.1f} {y + 4:.1f}'
        f'L{x + 4:.1f} {y - 4:.1f}" stroke="{colour}" stroke-width="2"/>'
    )


def _scale_max(series: Sequence[Series], y_max: float | None) -> float:
    if y_max is not None:
        return y_max
    found = [v for _, values in series for v in values if v is not None]
    top = max(found, default=0.0)
    if top <= 0:
        return 1.0
    # A round ceiling (1, 2 or 5 times a power of ten) so the grid lines have readable labels.
    power = 10.0 ** len(str(int(top)))
    for step in (0.1, 0.2, 0.25, 0.5, 1.0):
        if top <= power * step:
            return power * step
    return power


def _frame(
    *, chart_id: str, title: str, desc: str, x_label: str, y_label: str, top: float, unit: str
) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart"'
        ' font-family="sans-serif" font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for tick in range(5):
        value = top * tick / 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"'
            ' stroke="#767676" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#1a1a1a">'
            f"{escape(_fmt(value) + unit)}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#1a1a1a"/>'
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"'
        ' stroke="#1a1a1a"/>'
    )
    parts.append(
        f'<text x="14" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" fill="#1a1a1a"'
        f' transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">{escape(y_label)}</text>'
    )
    parts.append(
        f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2:.1f}" y="{TOP + plot_h + 36}"'
        f' text-anchor="middle" fill="#1a1a1a">{escape(x_label)}</text>'
    )
    return parts


def _x_labels(labels: Sequence[str], centres: Sequence[float]) -> list[str]:
    y = HEIGHT - BOTTOM + 16
    # Thin out labels that would collide (weeks over a year); the table has them all.
    every = max(1, len(labels) // 12 + (1 if len(labels) % 12 else 0)) if len(labels) > 12 else 1
    return [
        f'<text x="{x:.1f}" y="{y}" text-anchor="middle" fill="#1a1a1a">{escape(label)}</text>'
        for index, (label, x) in enumerate(zip(labels, centres, strict=True))
        if index % every == 0
    ]


def _legend(series: Sequence[Series], *, bars: bool) -> list[str]:
    parts: list[str] = []
    y = HEIGHT - 18
    x = float(LEFT)
    for index, (name, _) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        if bars:
            parts.append(_bar_swatch(index, x, y - 10, colour))
        else:
            dash = DASHES[index % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 4}" x2="{x + 24:.1f}" y2="{y - 4}"'
                f' stroke="{colour}" stroke-width="2"{dash_attr}/>'
            )
            parts.append(_marker(MARKERS[index % len(MARKERS)], x + 12, y - 4, colour))
        parts.append(f'<text x="{x + 30:.1f}" y="{y}" fill="#1a1a1a">{escape(name)}</text>')
        x += 40 + 7 * len(name)
    return parts


def _bar_swatch(index: int, x: float, y: float, colour: str) -> str:
    rect = f'<rect x="{x:.1f}" y="{y:.1f}" width="24" height="12" fill="{colour}"/>'
    return rect + _hatch(index, x, y, 24, 12)


def _hatch(index: int, x: float, y: float, width: float, height: float) -> str:
    # A pattern drawn in white over every second series, so bars differ without colour too.
    if index % 2 == 0 or height < 2:
        return ""
    lines = []
    step = 6.0
    offset = 0.0
    while offset < width:
        lines.append(
            f'<line x1="{x + offset:.1f}" y1="{y:.1f}" x2="{x + offset:.1f}" y2="{y + height:.1f}"'
            ' stroke="#ffffff" stroke-width="1.5"/>'
        )
        offset += step
    return "".join(lines)


def line_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    y_max: float | None = None,
    unit: str = "",
) -> str:
    """Return an SVG line chart; a None value breaks its line (no figure for that period)."""
    top = _scale_max(series, y_max)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    count = max(len(x_labels), 1)
    centres = [LEFT + plot_w * (i + 0.5) / count for i in range(len(x_labels))]
    parts = _frame(
        chart_id=chart_id,
        title=title,
        desc=desc,
        x_label=x_label,
        y_label=y_label,
        top=top,
        unit=unit,
    )
    parts.extend(_x_labels(x_labels, centres))
    for index, (_, values) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        dash = DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        points = [
            (x, TOP + plot_h - plot_h * min(v, top) / top) if v is not None else None
            for x, v in zip(centres, values, strict=True)
        ]
        run: list[tuple[float, float]] = []
        for point in [*points, None]:
            if point is not None:
                run.append(point)
                continue
            if len(run) > 1:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline points="{coords}" fill="none" stroke="{colour}"'
                    f' stroke-width="2"{dash_attr}/>'
                )
            run = []
        for point in points:
            if point is not None:
                parts.append(_marker(MARKERS[index % len(MARKERS)], *point, colour))
    parts.extend(_legend(series, bars=False))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    y_max: float | None = None,
    unit: str = "",
    value_format: str = "{:.0f}",
) -> str:
    """Return an SVG grouped bar chart with each bar's value written above it."""
    top = _scale_max(series, y_max)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    count = max(len(x_labels), 1)
    group_w = plot_w / count
    bar_w = group_w * 0.8 / max(len(series), 1)
    centres = [LEFT + group_w * (i + 0.5) for i in range(len(x_labels))]
    parts = _frame(
        chart_id=chart_id,
        title=title,
        desc=desc,
        x_label=x_label,
        y_label=y_label,
        top=top,
        unit=unit,
    )
    parts.extend(_x_labels(x_labels, centres))
    for index, (name, values) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        for group, value in enumerate(values):
            if value is None:
                continue
            height = plot_h * min(value, top) / top
            x = LEFT + group_w * group + group_w * 0.1 + bar_w * index
            y = TOP + plot_h - height
            label = value_format.format(value) + unit
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}"'
                f' fill="{colour}"><title>{escape(name)}: {escape(label)}</title></rect>'
            )
            parts.append(_hatch(index, x, y, bar_w, height))
            if bar_w >= 18:
                parts.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle"'
                    f' fill="#1a1a1a" font-size="10">{escape(label)}</text>'
                )
    parts.extend(_legend(series, bars=True))
    parts.append("</svg>")
    return "".join(parts)
