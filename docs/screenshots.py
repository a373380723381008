"""Screenshots of the dashboard and a claim page, taken from a running server with the demo data.

Usage: python docs/screenshots.py http://127.0.0.1:8000   (chromium from Debian on the PATH)
"""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
CLAIM = "North Korea has already shipped"  # the demo claim with the longest attribution chain


def main(base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--headless", "--no-sandbox", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "reviewer")
        page.fill("#id_password", "demo-password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/")
        page.screenshot(path=HERE / "screenshot-dashboard.png", full_page=True)
        page.goto(f"{base}/claims/?q=" + CLAIM.split()[-1])
        page.get_by_role("link", name=CLAIM).first.click()
        page.wait_for_load_state()
        page.screenshot(path=HERE / "screenshot-claim.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
