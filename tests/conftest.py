"""Shared test setup: headless Chromium options for dash_duo."""

from selenium.webdriver.chrome.options import Options


def pytest_setup_options():
    options = Options()
    # Software WebGL so 3D plots render in headless Chromium.
    options.add_argument("--enable-unsafe-swiftshader")
    options.add_argument("--window-size=1280,900")
    # The machine has no network beyond package registries: keep Chromium from calling home.
    for flag in (
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ):
        options.add_argument(flag)
    return options
