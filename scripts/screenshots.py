"""Regenerate the README screenshots: the default view and a comparison of 3 runs, at 1280x720.

Usage: python scripts/screenshots.py [--out docs/img]
Starts the app on a free loopback port, drives headless Chromium, saves PNGs.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import create_app  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser(width: int, height: int) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("DASH_TEST_CHROMEPATH", "/usr/bin/chromium")
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--enable-unsafe-swiftshader",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--hide-scrollbars", f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    # Pin the viewport itself (not the window) to the projector's size.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    return driver


def wait_ready(driver, timeout: float = 30) -> None:
    WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".badge")))
    time.sleep(1.5)  # let WebGL finish drawing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/img")
    parser.add_argument("--query", action="append", default=[], help="extra name=query shots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = make_server("127.0.0.1", port, create_app().server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = browser(1280, 720)
    try:
        driver.get(f"http://127.0.0.1:{port}/")
        wait_ready(driver)
        driver.save_screenshot(str(out / "default.png"))
        # Comparison: pin lr 0.1, then 0.5 and pin, then 0.64.
        for lr in ("0.5", "0.64"):
            driver.find_element(By.ID, "pin").click()
            time.sleep(0.8)
            field = driver.find_element(By.ID, "lr")
            field.clear()
            field.send_keys(lr + "\n")
            time.sleep(1.5)
        wait_ready(driver)
        driver.save_screenshot(str(out / "compare.png"))
        for view in ("finder", "map"):
            driver.get(f"http://127.0.0.1:{port}/?optimizer=momentum&lr=0.05")
            wait_ready(driver)
            driver.find_element(By.CSS_SELECTOR, f"#lower-view input[value='{view}']").click()
            time.sleep(3)
            driver.save_screenshot(str(out / f"{view}.png"))
        for shot in args.query:
            name, query = shot.split("=", 1)
            driver.get(f"http://127.0.0.1:{port}/?{query}")
            wait_ready(driver)
            driver.save_screenshot(str(out / f"{name}.png"))
    finally:
        driver.quit()
        server.shutdown()
    print(f"screenshots written to {out}/")


if __name__ == "__main__":
    main()
