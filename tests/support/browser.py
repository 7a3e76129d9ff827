"""Pages in a real browser: Debian's Chromium driven by Playwright (``executable_path``; Playwright never downloads a
browser here), and the checks a person's eye makes, written as code (tests/integration/test_report_pages.py).

``chromium()`` finds Chromium, or installs Debian's package with apt-get when it is missing; it returns None with the
reason when neither works, and the tests skip saying so.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from typing import Any, Optional, Tuple

NAMES = ("chromium", "chromium-browser", "google-chrome")
# Playwright must never fetch a browser of its own (the network reaches package registries only).
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def _found() -> Optional[str]:
    return next((path for path in map(shutil.which, NAMES) if path), None)


def chromium() -> Tuple[Optional[str], str]:
    """(path of Chromium, "") or (None, why not): installs Debian's chromium with apt-get when missing.

    Test workers run side by side (pytest-xdist): one installs while the others wait on a file lock, then find it.
    """
    path = _found()
    if path:
        return path, ""
    with open(os.path.join(tempfile.gettempdir(), "mfaops-chromium-install.lock"), "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = _found()
        return (path, "") if path else _install()


def _install() -> Tuple[Optional[str], str]:
    apt = shutil.which("apt-get")
    if not apt:
        return None, "Chromium is not installed and apt-get is not available (install Debian's chromium package)"
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is None:
        return None, "Chromium is not installed and apt-get needs root (run: apt-get install -y chromium)"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in ([*sudo, apt, "install", "-y", "-q", "chromium"], [*sudo, apt, "update", "-q"], [*sudo, apt, "install", "-y", "-q", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode == 0 and _found():
            return _found(), ""
    return None, f"apt-get install chromium failed: {(done.stderr or done.stdout).strip()[-300:]}"


# What the page looks like to a person, measured in the page (one call per page and width).
MEASURE = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll('table')].filter(t => t.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map(t => {
      const box = t.closest('.table-scroll');
      const ok = box && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX) && box.getBoundingClientRect().right <= window.innerWidth + 0.5;
      return {id: t.id, in_scroll_container: !!ok};
    });
  const clipped = [];
  for (const svg of document.querySelectorAll('svg')) {
    const vb = svg.viewBox.baseVal;
    const frame = vb && vb.width ? vb : {x: 0, y: 0, width: svg.width.baseVal.value, height: svg.height.baseVal.value};
    for (const text of svg.querySelectorAll('text')) {
      const b = text.getBBox();
      if (b.x < frame.x - 0.5 || b.y < frame.y - 0.5 || b.x + b.width > frame.x + frame.width + 0.5 || b.y + b.height > frame.y + frame.height + 0.5) {
        clipped.push({text: text.textContent, bbox: [b.x, b.y, b.width, b.height], frame: [frame.x, frame.y, frame.width, frame.height]});
      }
    }
  }
  const mapped = [...document.querySelectorAll('[data-json], [data-json-count], [data-campaign]')].map(el => ({
    json: el.getAttribute('data-json'), count: el.getAttribute('data-json-count'), campaign: el.getAttribute('data-campaign'),
    text: (el.innerText ?? el.textContent).trim()}));
  // Every number shown in a number cell, a figure, a bar's value or a count in a heading is one of the mapped numbers.
  const numbers = s => (s.replace(/\\d{4}-\\d{2}-\\d{2}/g, ' ').match(/\\d+(\\.\\d+)?/g) || []);
  const unmapped = [];
  for (const el of document.querySelectorAll('td.num, .bar-value, .figures dd, #changes h3, #findings p, #lockout-risk, #groups td.num')) {
    const mark = '[data-json], [data-json-count], [data-campaign]';
    const marks = el.matches(mark) ? [el] : [...el.querySelectorAll(mark)];
    const known = marks.flatMap(m => numbers(m.innerText));
    for (const n of numbers(el.innerText)) if (!known.includes(n)) unmapped.push({text: el.innerText.trim(), number: n});
  }
  return {scroll_width: doc.scrollWidth, inner_width: window.innerWidth, wide, clipped, mapped, unmapped};
}"""


def pointer(document: Any, where: str) -> Any:
    """The value at a JSON pointer (RFC 6901)."""
    value = document
    for part in where.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def same_number(shown: str, value: Any) -> bool:
    """Whether the text a page shows is the report's number (None shows as n/a)."""
    if value is None:
        return shown in ("n/a", "")
    try:
        return float(shown) == float(value)
    except ValueError:
        return False
