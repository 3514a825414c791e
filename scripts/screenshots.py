"""Regenerate the screenshots: the README's, and every lesson at 1920x1080 and 1280x720.

Usage: python scripts/screenshots.py [--out docs/img] [--only KEY ...] [--query name=query ...]
Starts the app on a free loopback port and drives one headless Chromium, resized per shot
through the DevTools protocol; each shot waits until the page is ready (callbacks answered,
graphs drawn, the player holding the new paths). Writes:

- lessons/<key>-1920.png and lessons/<key>-1280.png for every lesson in app/lessons.py
  (the gallery docs/lessons.md shows them), lessons/presenting-1920.png (one lesson after
  pressing P) and lessons/embed-960.png (?embed=1, the size of an iframe on a slide);
- default.png, compare.png, finder.png, map.png, network.png and code.png at 1280x720 for the README;
- docs/lessons.md, the gallery: each lesson's number, title, images and what to notice.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.lessons import EVERY_LESSON as LESSONS  # noqa: E402  (the 2-D and the network lessons)

SIZES = ((1920, 1080), (1280, 720))  # a projector, and a laptop or a small projector
PRESENTING_LESSON = "overshooting"  # its zig-zag and badge read well from the back of a room
EMBED_LESSON = "gradient-descent"
README_SIZE = (1280, 720)

# What to notice in each lesson's pictures (from "What the screen must show", LESSONS.md in the
# team's notes): the gallery prints it under the lesson's title. A new lesson needs a line here.
NOTICE = {
    "gradient-descent": "The path runs downhill against the gradient arrow, across the contours to the minimum, while the loss curve falls.",
    "data-fit": "The data-fit problem in (w, b) with its ½·MSE formula on screen; the fitted line moves over the data as the path descends.",
    "shrinking-steps": "The steps get shorter near the minimum because the gradient does: the gradient-size curve falls with them.",
    "overshooting": "The path zig-zags across the valley, labelled *overshooting* with its count of overshoots.",
    "divergence": "On the ravine, lr 0.045 (just below 2/λ = 0.05) zig-zags inward while lr 0.055 zig-zags outward for a dozen steps and leaves the map; its loss curve climbs until the step it is labelled *diverged at step k*.",
    "too-slow": "After many steps the path has barely moved: *too slow*.",
    "local-minimum": "On the surface with a shallow and a deep basin, the run settles in the shallow one: *stuck in a local minimum*.",
    "lr-ladder": "The ladder from 0.001 up by ×3: four rungs on the map, cards sorted by rate, and lower right every rung's final loss against its rate, too slow at 0.001, diverged at 0.729, a dip between.",
    "schedulers": "Each scheduler's learning-rate curve: how it changes the rate during training.",
    "scheduler-escape": "Three schedulers from one start (the legend names each one's start and peak rate): ReduceLROnPlateau's rate steps down on the log axis and its loss stays high in the pothole; cyclical and warm-restart rates rise again and reach the deep basin.",
    "normalization": "Raw and standardized maps side by side, each to scale: the raw loss is a ravine thinner than a line, where lr 0.1 leaves the map at once; the standardized contours are circles and the same rate converges.",
    "minmax": "Raw, standardized and min-max maps side by side, each to scale: min-max contours are tilted ellipses, less round than standardized, so its path bends and needs more steps.",
    "network-descent": "A real 2-16-16-1 network learning the two moons: the path on the loss landscape (PCA of the path), the decision boundary forming beside it, loss falling and accuracy rising to 100 %.",
    "network-too-large-rate": "House prices on a network: lr 0.01 converges, lr 1.0 blows up within a few steps, labelled *diverged at step k*; its loss curve climbs until it stops.",
    "network-normalization": "The same network and rate on raw inputs ×100 and on standardized ones: the raw run bounces (*overshooting*) with a ragged boundary, the standardized run converges.",
    "network-batch-size": "Batch 1 against the full batch on a network: the batch-1 loss curve is noisy, the full-batch one smooth.",
    "batch-size": "Batch 1 takes noisy steps, the full batch steady ones, mini-batches sit between; the cards give steps per epoch and the modelled cost of a step, and the x-axis menu draws the curves against epochs, examples processed or modelled time.",
}


@dataclass(frozen=True)
class Shot:
    """One picture: the page at `query`, at a viewport size, after an optional action."""

    name: str  # path under the output folder, without .png
    query: str  # the page's query string, without "?"
    width: int
    height: int
    action: str = ""  # "", "present", "compare", "finder" or "map"


def lesson_image(key: str, width: int) -> str:
    return f"lessons/{key}-{width}"


def shots() -> list[Shot]:
    """Every shot the script takes, grouped by viewport size (one resize per group)."""
    out = [Shot(lesson_image(key, w), f"preset={key}", w, h) for w, h in SIZES for key in LESSONS]
    out.append(Shot("lessons/presenting-1920", f"preset={PRESENTING_LESSON}", 1920, 1080, "present"))
    out.append(Shot("lessons/embed-960", f"embed=1&preset={EMBED_LESSON}", 960, 540))
    out.append(Shot("default", "", *README_SIZE))
    out.append(Shot("compare", "", *README_SIZE, "compare"))
    for view in ("finder", "map"):
        out.append(Shot(view, "optimizer=momentum&lr=0.05", *README_SIZE, view))
    out.append(Shot("network", "preset=network-descent", *README_SIZE))
    out.append(Shot("code", "preset=schedulers&view=code", *README_SIZE))
    return out


# True once the page is drawn: no callback pending (Dash's own store), the badges written,
# every visible graph laid out at its box's width, and the player holding the paths it was sent
# (loaded() in assets/player.js sets total and moves to the end). `arguments[0]` says whether
# the player must hold steps; a run that diverges at once has none.
READY = """
var s = window.store && window.store.getState();
if (!s || s.isLoading) return false;
var badges = document.getElementById('badges');
if (!badges || !badges.textContent.trim()) return false;
var graphs = Array.prototype.filter.call(document.querySelectorAll('.js-plotly-plot'),
  function (g) { return g.offsetParent !== null; });
if (!graphs.length) return false;
for (var i = 0; i < graphs.length; i++) {
  var g = graphs[i];
  // the map's layer is empty under a map that draws its own contour (the network's)
  if (!g._fullLayout || !g.data || (!g.data.length && !g.closest('#contour-layer'))) return false;
  if (Math.abs(g._fullLayout.width - g.clientWidth) > 2) return false;
}
var lab = window.descentLab;
if (!lab || lab.state.playing || lab.state.step !== lab.state.total) return false;
return !arguments[0] || lab.state.total > 0;
"""
FRAMES = "var done = arguments[arguments.length - 1]; requestAnimationFrame(function () { requestAnimationFrame(done); });"


def gallery(images: str = "img") -> str:
    """docs/lessons.md: every lesson with its two pictures and what to notice in them."""
    lines = [
        "# The lessons, as a lecturer sees them",
        "",
        "Every lesson of the lecture is one click (the lesson menu, or `?preset=<key>`). These are",
        "the screens at a projector's 1920x1080 and a laptop's 1280x720, regenerated by",
        "`make screenshots` (headless Chromium; [scripts/screenshots.py](../scripts/screenshots.py)).",
        "Each shows the run played to its end.",
        "",
    ]
    for key, lesson in LESSONS.items():
        title = lesson.title["en"]
        lines += [
            f"## {lesson.number} · {title}",
            "",
            f"`?preset={key}`: {NOTICE[key]}",
            "",
            "| 1920x1080 | 1280x720 |",
            "| --- | --- |",
            f"| ![{lesson.number} at 1920x1080]({images}/{lesson_image(key, 1920)}.png) "
            f"| ![{lesson.number} at 1280x720]({images}/{lesson_image(key, 1280)}.png) |",
            "",
        ]
    presenting = LESSONS[PRESENTING_LESSON]
    lines += [
        "## For slides",
        "",
        f"Presentation mode (press P) hides the controls and enlarges the text; here {presenting.number} at 1920x1080:",
        "",
        f"![{presenting.number} in presentation mode at 1920x1080]({images}/lessons/presenting-1920.png)",
        "",
        f"Embedded in a slide (`?embed=1&preset={EMBED_LESSON}`, an iframe of 960x540): the views only.",
        "",
        f"![{LESSONS[EMBED_LESSON].number} embedded at 960x540]({images}/lessons/embed-960.png)",
        "",
    ]
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser():
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("DASH_TEST_CHROMEPATH", "/usr/bin/chromium")
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--enable-unsafe-swiftshader",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--hide-scrollbars", "--window-size=1920,1080",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    driver.set_script_timeout(10)
    return driver


def resize(driver, width: int, height: int) -> None:
    # Pin the viewport itself (not the window) to the projector's size.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def wait_until(driver, script: str, *args, timeout: float = 45, what: str = "the page") -> None:
    deadline = time.monotonic() + timeout
    while not driver.execute_script(script, *args):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} was not ready after {timeout:.0f} s: {driver.current_url}")
        time.sleep(0.1)


def wait_ready(driver, what: str = "the page") -> None:
    """Wait for READY twice, 0.3 s apart (a chained callback may start between), then 2 frames."""
    try:
        wait_until(driver, READY, True, timeout=20, what=what)
    except TimeoutError:
        # A lesson whose run leaves the map at its first step has no steps to play.
        wait_until(driver, READY, False, timeout=20, what=what)
        print(f"  note: the player holds no steps on {driver.current_url}")
    time.sleep(0.3)
    wait_until(driver, READY, False, what=what)
    driver.execute_async_script(FRAMES)


def badges(driver) -> str:
    return driver.execute_script("var b = document.getElementById('badges'); return b ? b.textContent : '';")


def wait_badges_change(driver, before: str, what: str) -> None:
    wait_until(driver, "return document.getElementById('badges').textContent !== arguments[0];", before, what=what)
    wait_ready(driver, what)


def act(driver, action: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    if action == "present":
        driver.find_element(By.TAG_NAME, "body").send_keys("p")
        wait_until(driver, "return document.querySelector('#page.presenting') !== null;", what="presentation mode")
        wait_ready(driver, "presentation mode")
    elif action == "compare":
        # Pin lr 0.1, then 0.5 and pin, then 0.64: three paths side by side.
        for lr in ("0.5", "0.64"):
            before = badges(driver)
            driver.find_element(By.ID, "pin").click()
            wait_badges_change(driver, before, "the pinned run")
            before = badges(driver)
            field = driver.find_element(By.ID, "lr")
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(lr + "\n")
            wait_badges_change(driver, before, f"the run at lr {lr}")
    elif action in ("finder", "map"):
        driver.find_element(By.CSS_SELECTOR, f"#lower-view input[value='{action}']").click()
        wait_until(
            driver,
            "var g = document.querySelector('#' + arguments[0] + '-graph .js-plotly-plot');"
            " return g !== null && g.offsetParent !== null && g.data && g.data.length > 0;",
            action,
            what=f"the {action}",
        )
        wait_ready(driver, f"the {action}")


def take(driver, base: str, out: Path, todo: list[Shot]) -> None:
    size = None
    for shot in todo:
        if (shot.width, shot.height) != size:
            size = (shot.width, shot.height)
            resize(driver, *size)
        started = time.monotonic()
        # Presentation mode carries over to the next page of a tab (assets/player.js keeps it
        # in sessionStorage): every shot starts outside it.
        driver.execute_script("try { window.sessionStorage.clear(); } catch (e) {}")
        driver.get(f"{base}/?{shot.query}" if shot.query else f"{base}/")
        wait_ready(driver, shot.name)
        act(driver, shot.action)
        driver.execute_script(
            "if (document.activeElement) document.activeElement.blur();"
            " var c = document.querySelector('.controls'); if (c) c.scrollTop = 0;"
        )
        path = out / f"{shot.name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(path))
        print(f"  {path} ({shot.width}x{shot.height}, {time.monotonic() - started:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/img")
    parser.add_argument("--only", action="append", default=[], help="only the shots whose name holds this")
    parser.add_argument("--query", action="append", default=[], help="extra name=query shots at 1280x720")
    args = parser.parse_args()
    from werkzeug.serving import make_server

    from app import create_app

    todo = [s for s in shots() if not args.only or any(part in s.name for part in args.only)]
    todo += [Shot(name, query, *README_SIZE) for name, query in (q.split("=", 1) for q in args.query)]
    out = Path(args.out)
    started = time.monotonic()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    port = free_port()
    server = make_server("127.0.0.1", port, create_app().server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = browser()
    try:
        take(driver, f"http://127.0.0.1:{port}", out, todo)
    finally:
        driver.quit()
        server.shutdown()
    (out.parent / "lessons.md").write_text(gallery(out.name), encoding="utf-8")
    print(f"{len(todo)} screenshots written to {out}/ in {time.monotonic() - started:.0f} s; gallery {out.parent / 'lessons.md'}")


if __name__ == "__main__":
    main()
