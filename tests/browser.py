"""Headless Chromium (Debian's ``chromium`` and ``chromedriver``) for page tests. Without them
the tests skip, except with ``TTHC_REQUIRE_BROWSER=1`` (CI), where they fail."""

from __future__ import annotations

import io
import os
import shutil
from contextlib import contextmanager

import pytest


@contextmanager
def chromium(width: int = 1280, height: int = 1600):
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        message = "Debian's chromium and chromium-driver are not installed"
        if os.environ.get("TTHC_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (TTHC_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def assert_rendered(png: bytes, min_ink: float = 0.02, keep: str | None = None) -> None:
    """The screenshot shows a page, not a blank or error screen: enough non-white pixels."""
    from PIL import Image

    if keep:
        with open(keep, "wb") as out:
            out.write(png)
    image = Image.open(io.BytesIO(png)).convert("L")
    pixels = list(image.getdata())
    ink = sum(1 for p in pixels if p < 200) / len(pixels)
    assert ink > min_ink, f"only {ink:.1%} of the screenshot is not white"
