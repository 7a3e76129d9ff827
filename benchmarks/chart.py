"""The chart of `make bench`: achieved vs configured rate over time, per pool and together.

One panel per run through the Cognito-like proxy: the proxy's timeline of forwarded calls, counted in 1 s bins and
averaged over 5 s, one thin line per pool and a thick one for all of them, with the configured rate (the module's
or the account's budget) and the proxy's quota as dashed lines. matplotlib comes from benchmarks/requirements.txt,
which `make bench` installs; the tests never need it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

BIN = 1.0  # seconds
SMOOTH = 5  # bins


def rate_series(times: list[float], start: float, end: float) -> tuple[list[float], list[float]]:
    """Calls per second in BIN-second bins from start to end, as a moving average over SMOOTH bins."""
    bins = max(1, int((end - start) / BIN) + 1)
    counts = [0] * bins
    for at in times:
        counts[min(bins - 1, int((at - start) / BIN))] += 1
    averaged = [sum(counts[max(0, i - SMOOTH + 1): i + 1]) / (BIN * min(SMOOTH, i + 1)) for i in range(bins)]
    return [i * BIN for i in range(bins)], averaged


def draw(panels: list[dict[str, Any]], path: Path) -> Path:
    """panels: [{title, configured, quota, unit, lines: {label: [times]}, together: [times] or None}]."""
    import matplotlib  # pylint: disable=import-outside-toplevel

    matplotlib.use("Agg")
    from matplotlib import pyplot  # pylint: disable=import-outside-toplevel

    figure, axes = pyplot.subplots(len(panels), 1, figsize=(9, 3.2 * len(panels)), squeeze=False)
    for axis, panel in zip(axes[:, 0], panels):
        every = [t for times in panel["lines"].values() for t in times] + list(panel.get("together") or [])
        if not every:
            continue
        start, end = min(every), max(every)
        many = len(panel["lines"]) > 1
        for label, times in panel["lines"].items():
            x, y = rate_series(times, start, end)
            axis.plot(x, y, linewidth=0.8 if many else 1.8, alpha=0.7 if many else 1.0, label=label if len(panel["lines"]) <= 3 else None)
        if panel.get("together"):
            x, y = rate_series(panel["together"], start, end)
            axis.plot(x, y, linewidth=2.2, color="black", label="all pools together")
        axis.axhline(panel["configured"], linestyle="--", color="tab:green", label=f"configured {panel['configured']:g}/s")
        axis.axhline(panel["quota"], linestyle=":", color="tab:red", label=f"Cognito's quota {panel['quota']:g}/s")
        axis.set_title(panel["title"], fontsize=10)
        axis.set_xlabel("seconds")
        axis.set_ylabel(f"{panel['unit']} per second ({SMOOTH} s average)")
        axis.set_ylim(bottom=0, top=max(panel["quota"], panel["configured"]) * 1.5)
        axis.legend(fontsize=7, loc="upper center", ncol=4)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    pyplot.close(figure)
    return path
