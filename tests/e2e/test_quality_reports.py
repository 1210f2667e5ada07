"""Periodic quality reports on the running system: the JSON figures follow what was reported and
repaired, and the monthly HTML page shows its charts in headless Chromium."""

import shutil
import struct
import subprocess
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.quality.reporting.charts import CURRENT_COLOUR
from tests.e2e.conftest import System
from tests.e2e.test_dispatch import COMPLETION, action, app, job_of, register
from tests.e2e.test_saga import report
from tests.support.polling import eventually
from tests.support.services import token

QUALITY = token("quality")
CHARTS = ("chart-severity", "chart-system", "chart-sla", "chart-pareto", "chart-satisfaction")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-default-apps", "--disable-sync", "--no-first-run")


@dataclass
class Reported:
    """Four faults on two vehicles of a model of the test's own, one of them repaired."""

    model: str
    code: str
    reported_at: datetime
    before: dict[str, Any]  # the monthly report just before they were reported


async def monthly(system: System, reported_at: datetime, html: bool = False) -> Any:
    headers = QUALITY | ({"Accept": "text/html"} if html else {})
    async with system.client("quality", headers) as quality:
        response = await quality.get("/v1/reports/monthly",
                                     params={"from": reported_at.isoformat()})
    assert response.status_code == 200, response.text
    return response if html else response.json()


async def record_of(system: System, fault_id: str, completed: bool = False) -> dict[str, Any]:
    async with system.client("quality", QUALITY) as quality:

        async def probe() -> dict[str, Any] | None:
            items = (await quality.get("/v1/service-records",
                                       params={"fault_id": fault_id})).json()["items"]
            ready = items and items[0]["reported_at"] and (
                not completed or items[0]["completed_at"])
            return items[0] if ready else None

        return await eventually(probe, timeout=30, what=f"service record of {fault_id}")


@pytest.fixture(scope="module")
async def reported(system: System) -> Reported:
    run = uuid.uuid4().hex[:6]
    skill, model, code = f"rp{run}", f"RM-{run}", f"RP-{run}"
    tech = await register(system, skill)
    # One instant for all four, so they fall in the same month whenever the test runs.
    reported_at = datetime.now(UTC).replace(microsecond=0)
    before = await monthly(system, reported_at)
    cards = [("B", f"{model}-1", code), ("B", f"{model}-2", code), ("C", f"{model}-1", code),
             ("A", f"{model}-2", f"{code}-Y")]
    faults = [await report(system, severity=severity, vehicle_model=model,
                           vehicle_number=vehicle, fault_code=fault_code, system=skill,
                           suspected_parts=[], reported_at=reported_at.isoformat())
              for severity, vehicle, fault_code in cards]
    job = await job_of(system, faults[0]["id"])
    async with app(tech, system) as phone:
        for step, body in (("accept", action()), ("depart", action()), ("arrive", action()),
                           ("complete", action(**COMPLETION))):
            response = await phone.post(f"/v1/jobs/{job['id']}/{step}", json=body)
            assert response.status_code == 200, (step, response.text)
    await record_of(system, faults[0]["id"], completed=True)
    for fault in faults[1:]:
        await record_of(system, fault["id"])
    return Reported(model, code, reported_at, before)


def by_key(counts: list[dict[str, Any]]) -> dict[str, int]:
    return {c["key"]: c["count"]["current"] for c in counts}


async def test_the_monthly_report_counts_the_faults_reported_and_repaired(
    system: System, reported: Reported
) -> None:
    after = await monthly(system, reported.reported_at)
    faults = after["faults"]
    assert by_key(faults["by_vehicle_model"])[reported.model] == 4
    grown = {k: v - by_key(reported.before["faults"]["by_severity"])[k]
             for k, v in by_key(faults["by_severity"]).items()}
    assert grown["A"] >= 1 and grown["B"] >= 2 and grown["C"] >= 1
    assert faults["total"]["current"] >= reported.before["faults"]["total"]["current"] + 4

    assert after["mttr"]["overall"]["repairs"]["current"] >= 1
    assert after["mttr"]["overall"]["mean_hours"]["current"] is not None
    (mtbf,) = [m for m in after["mtbf"]["models"] if m["vehicle_model"] == reported.model]
    assert after["mtbf"]["method"] == "calendar"
    assert (mtbf["vehicles"]["current"], mtbf["failures"]["current"]) == (2, 4)
    assert mtbf["mtbf_hours"]["current"] == pytest.approx(2 * after["current"]["hours"] / 4)

    for clock in after["sla"]:
        met, breached = clock["met"]["current"], clock["breached"]["current"]
        expected = round(met / (met + breached) * 100, 2) if met + breached else None
        assert clock["compliance_percent"]["current"] == expected
    onsite = next(c for c in after["sla"] if c["clock"] == "onsite")
    assert onsite["met"]["current"] >= 1

    items = after["recurring_defects"]["items"]
    cumulative = [i["cumulative_percent"] for i in items]
    assert cumulative == sorted(cumulative) and cumulative[-1] <= 100
    ours = [i for i in items if i["fault_code"] == reported.code]
    # Other tests report fault codes too; ours is listed unless ten codes occurred as often.
    assert ours or (len(items) == 10 and items[-1]["occurrences"]["current"] >= 3)
    if ours:
        assert (ours[0]["occurrences"]["current"], ours[0]["vehicles"]) == (3, 2)
    assert {"claims", "satisfaction", "complaints"} <= after.keys()


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[bytes]:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("chromium is not installed (.ci/run installs it: apt-get install chromium)")
    return subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, timeout=90, check=True)


def png_pixels(png: bytes) -> Counter[bytes]:
    """How many pixels of each RGB colour an 8-bit RGB or RGBA PNG holds."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, header, data = 8, b"", b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        header = png[pos + 8:pos + 8 + length] if kind == b"IHDR" else header
        data += png[pos + 8:pos + 8 + length] if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp, raw = (3 if colour == 2 else 4), zlib.decompress(data)
    stride, prior, counts = width * bpp, bytearray(width * bpp), Counter[bytes]()
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        # Undo the row's filter (PNG spec, section 9); "up", the commonest, is done at once.
        if kind == 2:
            line = bytearray((x + b) & 0xFF for x, b in zip(line, prior, strict=True))
        elif kind:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prior[i], (prior[i - bpp] if i >= bpp else 0)
                p = a + b - c
                paeth = a if abs(p - a) <= min(abs(p - b), abs(p - c)) else (
                    b if abs(p - b) <= abs(p - c) else c)
                line[i] = (line[i] + (0, a, b, (a + b) // 2, paeth)[kind]) & 0xFF
        counts.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp))
        prior = line
    return counts


async def test_the_monthly_html_report_shows_its_charts_in_headless_chromium(
    system: System, reported: Reported, tmp_path: Path
) -> None:
    response = await monthly(system, reported.reported_at, html=True)
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = tmp_path / "monthly.html"
    page.write_text(response.text, encoding="utf-8")

    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "dom").stdout.decode()
    for chart in CHARTS:
        assert f'<svg class="chart" id="{chart}"' in dom
    assert dom.count('class="bar current"') >= 4 and dom.count('class="bar previous"') >= 3
    assert reported.model in dom

    shot = tmp_path / "monthly.png"
    chromium(f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri(),
             profile=tmp_path / "shot")
    pixels = png_pixels(shot.read_bytes())
    assert sum(pixels.values()) == 1200 * 2000
    white = pixels[b"\xff\xff\xff"]
    assert white < 0.98 * 1200 * 2000, "the page rendered blank"
    # The bars of this period: solid areas of their colour (last month may have had none).
    assert pixels[bytes.fromhex(CURRENT_COLOUR[1:])] > 2000
