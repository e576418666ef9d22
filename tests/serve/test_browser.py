"""The page in a real headless browser (Debian's chromium driven by selenium): join a seat, play
it by clicking, and read the result from the page."""

from __future__ import annotations

import json
import shutil
import time

import pytest

for _name in ("fastapi", "uvicorn", "httpx", "websockets"):
    pytest.importorskip(_name)
webdriver = pytest.importorskip("selenium.webdriver")


def _driver(require):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        require("chromium with chromium-driver (apt-get install chromium chromium-driver)")
    opts = Options()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(driver_path), options=opts)


def test_play_a_seat_in_the_browser(server, client, make_config, require):
    from selenium.webdriver.common.by import By

    cfg = make_config("browser", budget=6, every=3)
    cfg["agents"][0]["params"] = {"deadline": 60}
    cfg["agents"][1] = {"kind": "uniform", "seats": [1]}
    cfg["env"]["kwargs"]["history"] = "actions"
    client.create_match(cfg)
    driver = _driver(require)
    try:
        driver.get(server.url + "/")
        deadline = time.monotonic() + 30
        while "browser" not in driver.find_element(By.ID, "matches").text:
            assert time.monotonic() < deadline, "the match list did not load"
            time.sleep(0.1)
        driver.find_element(By.LINK_TEXT, "browser").click()
        driver.find_element(By.ID, "join").click()
        clicks = []
        deadline = time.monotonic() + 120
        while not driver.find_element(By.ID, "result").text:
            assert time.monotonic() < deadline, "the page did not finish the match"
            buttons = driver.find_elements(By.CSS_SELECTOR, "button.action")
            if buttons:
                step = int(buttons[0].get_attribute("data-step"))
                if step not in [s for s, _ in clicks]:
                    choice = step % 2
                    buttons[choice].click()
                    clicks.append((step, choice))
            time.sleep(0.05)
        text = driver.find_element(By.ID, "result").text
        deadline = time.monotonic() + 30  # the watch stream reports the end too
        while driver.find_element(By.ID, "status").text != "finished":
            assert time.monotonic() < deadline, "the watch stream did not report the end"
            time.sleep(0.1)
        status = driver.find_element(By.ID, "status").text
        metrics = driver.find_element(By.ID, "metrics").text
    finally:
        driver.quit()
    assert text.startswith("finished: finished, steps 6")
    assert "seat 0: 6 actions, 0 timeouts" in text
    assert status == "finished" and "share/c0/mean" in metrics
    entries = [
        json.loads(x)
        for x in (server.matches.root / "browser" / "remote_actions.jsonl").read_text().splitlines()
    ]
    assert [(e["step"], e["action"]) for e in entries] == clicks == [(s, s % 2) for s in range(6)]
    summary = client.result("browser").summary
    assert f"share/c0/mean = {summary['final']['share/c0/mean']:.4f}" in text
