"""`make bench`'s own machinery (the figures themselves are never asserted: machines are noisy).

The served targets must serve the same handler the same way, or the comparison means
nothing: the ceiling and `workshop sls offline` are started here and asked the same things.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402 - benchmarks/ is not a package
import targets  # noqa: E402


def _ask(base: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


@pytest.mark.parametrize(
    "make_target", [targets.ceiling, targets.workshop], ids=["ceiling", "workshop"]
)
def test_each_target_serves_the_same_handler(make_target, tmp_path):
    target = make_target()
    with (tmp_path / "log").open("w") as log:
        proc = subprocess.Popen(
            target.argv, cwd=target.cwd, env=target.env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            run._first_response(f"{target.base}/items/1", proc, timeout_s=120)
            assert _ask(target.base, "GET", "/items/42") == (200, {"id": "42"})
            created = _ask(target.base, "POST", "/items", {"id": "7", "name": "demo"})
            assert created == (201, {"id": "7", "echo": {"id": "7", "name": "demo"}})
            assert run.rss_mb(proc.pid) > 5
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def test_a_server_that_exits_is_reported_not_waited_for():
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match="exited with status 3 before answering"):
        run._first_response("http://127.0.0.1:9/items/1", proc, timeout_s=30)


def test_ratios_compare_the_workshop_with_every_peer_measured():
    figures = {
        "served workshop: GET req/s": 3000.0,
        "served ceiling: GET req/s": 6000.0,
        "served serverless-offline: GET req/s": 2000.0,
        "served workshop: start to first response (s)": 1.0,
        "served serverless-offline: start to first response (s)": 2.0,
    }
    assert run.served_ratios(figures) == {
        "served workshop / ceiling: GET req/s": 0.5,
        "served workshop / serverless-offline: GET req/s": 1.5,
        "served workshop / serverless-offline: start to first response": 0.5,
    }


def test_an_unknown_part_is_refused_with_the_choices(capsys):
    with pytest.raises(SystemExit):
        run.main(["--only", "served,nope"])
    assert "unknown part(s) nope; choose from startup, lambda, served, dynamodb_query, course" in (
        capsys.readouterr().err
    )


def test_a_peer_that_cannot_install_is_skipped_with_the_reason(monkeypatch, tmp_path):
    monkeypatch.setattr(targets, "PEERS", tmp_path)
    monkeypatch.setattr(targets.shutil, "which", lambda name: None)
    target = targets.serverless_offline()
    assert target.skipped == "Node.js and npm are not installed (apt install nodejs npm)"


def test_latest_json_keeps_the_latest_run_of_every_part(monkeypatch, tmp_path, capsys):
    import json

    monkeypatch.setattr(run, "RESULTS", tmp_path)
    monkeypatch.setattr(
        run,
        "PARTS",
        {
            "startup": lambda: {"import workshop_lib (s)": 0.25, "import boto3 (s, baseline)": 0.5},
            "served": lambda: {
                "served workshop: GET req/s": 3.0,
                "served ceiling: GET req/s": 6.0,
            },
        },
    )
    run.main(["--only", "startup"])
    run.main(["--only", "served"])
    latest = json.loads((tmp_path / "latest.json").read_text())
    assert set(latest["measured at"]) == {"startup", "served"}
    assert latest["figures"]["import boto3 (s, baseline)"] == 0.5
    assert latest["ratios"] == {
        "served workshop / ceiling: GET req/s": 0.5,
        "import workshop_lib / import boto3": 0.5,
    }
    assert "served workshop / ceiling: GET req/s" in capsys.readouterr().out


def test_served_targets_take_turns_and_each_figure_is_the_median_of_the_rounds(
    monkeypatch, tmp_path
):
    """All targets run at once and are loaded in turn, from a different one each round:
    drift in the machine's load over a run is shared out instead of landing on whichever
    target came last. A slow round is outvoted by the median."""
    started, loaded, stopped = [], [], []
    names = ["ceiling", "workshop", "serverless-offline"]
    fake = [targets.Target(n, ["true"], f"http://127.0.0.1:{i}") for i, n in enumerate(names)]
    monkeypatch.setattr(targets, "all_targets", lambda: fake)
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    monkeypatch.setattr(run, "ensure_wrk", lambda: "wrk")

    class Process:
        def __init__(self, argv, **_):
            self.pid = len(started)
            started.append(self)

    monkeypatch.setattr(run.subprocess, "Popen", Process)
    monkeypatch.setattr(run, "_first_response", lambda url, proc: None)
    monkeypatch.setattr(run, "stop_group", lambda proc: stopped.append(proc))
    monkeypatch.setattr(run, "cpu_seconds", lambda pid: 0.0)
    monkeypatch.setattr(run, "rss_mb", lambda pid: 1.0)
    monkeypatch.setattr(run, "memory_by_process", lambda pid: {})
    rates = {"ceiling": [100, 10, 100], "workshop": [50, 50, 5], "serverless-offline": [40] * 3}

    def run_wrk(wrk, url, seconds, script=None):
        port = int(url.split(":")[2].split("/")[0])
        if seconds == 1:  # the warm-up
            return {"requests": 1}
        name = names[port]
        if script is None:
            loaded.append(name)
        rate = rates[name][loaded.count(name) - 1]
        return {"req/s": float(rate), "p99 ms": 1.0, "requests": 10}

    monkeypatch.setattr(run, "run_wrk", run_wrk)
    figures = run.served_api(seconds=3, rounds=3)
    assert loaded == [
        "ceiling", "workshop", "serverless-offline",
        "workshop", "serverless-offline", "ceiling",
        "serverless-offline", "ceiling", "workshop",
    ]  # fmt: skip
    assert figures["served ceiling: GET req/s"] == 100.0  # the slow round outvoted
    assert figures["served workshop: GET req/s"] == 50.0
    assert figures["served workshop: RSS after load (MB)"] == 1.0
    assert len(started) == 3 * run.STARTS and set(started) <= set(stopped)
    assert run.served_ratios(figures)["served workshop / ceiling: GET req/s"] == 0.5


def test_bench_targets_chooses_which_servers_run(monkeypatch, capsys):
    """``BENCH_TARGETS`` measures a pair on its own (a peer's rate depends on which other
    servers are running); a name that is no target's is refused with every target's name,
    before anything is started."""
    fake = [targets.Target(n, ["true"], "http://127.0.0.1:1") for n in ("a", "b c", "d")]
    assert run.choose(fake, "") == fake
    assert [t.name for t in run.choose(fake, " d, b c ")] == ["d", "b c"]
    with pytest.raises(ValueError, match=r"'e'; the targets are a, b c, d"):
        run.choose(fake, "a,e")

    monkeypatch.setattr(targets, "all_targets", lambda: fake)
    monkeypatch.setattr(run, "ensure_wrk", lambda: "wrk")
    monkeypatch.setenv("BENCH_TARGETS", "a,workshop")
    monkeypatch.setattr(run.subprocess, "Popen", lambda *a, **k: pytest.fail("started"))
    assert run.served_api() == {}
    assert "BENCH_TARGETS names 'workshop'; the targets are a, b c, d" in capsys.readouterr().out
