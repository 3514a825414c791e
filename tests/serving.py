"""Serve the app with gunicorn on a free loopback port for the HTTP tests, and talk Dash to it.

    with serve(workers=2) as server:
        requests.get(server.url + "/")

gunicorn binds 127.0.0.1:0 (the kernel picks a free port, so parallel runs never collide)
and reports the port in its log; the server is ready once GET / answers 200. It always
stops: SIGTERM to its master, then SIGKILL to its own process group after a few seconds.
Every wait has a deadline.

The rest builds callback requests the way Dash's renderer does, from the app's own
/_dash-dependencies and /_dash-layout, so the tests follow the callbacks as they change.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0  # seconds for gunicorn to bind and a worker to answer GET /
STOP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 15.0  # per request in the tests: a hang fails, it never blocks the suite
MAIN_OUTPUT = "contour.figure"  # the main callback is the one that draws the contour map


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None


def _gunicorn_command(workers: int, extra: list[str]) -> list[str]:
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", "127.0.0.1:0",
        "--workers", str(workers),
        "--timeout", "30",
        "--graceful-timeout", "3",
        *extra,
    ]  # fmt: skip
    from gunicorn.config import KNOWN_SETTINGS

    if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS):
        command.append("--no-control-socket")  # gunicorn >= 25 shares one socket path otherwise
    return [*command, "app.wsgi:server"]


@contextmanager
def serve(workers: int = 2, env: dict[str, str] | None = None, extra: list[str] = ()) -> Iterator[Server]:
    """A running gunicorn serving app.wsgi:server on 127.0.0.1, stopped on exit."""
    environment = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT")}
    environment.update(env or {})
    # A RuntimeWarning anywhere in a request becomes an exception, so a 500 the tests see.
    environment["PYTHONWARNINGS"] = "error::RuntimeWarning"
    log_dir = Path(tempfile.mkdtemp(prefix="descent-lab-gunicorn-"))
    log_path = log_dir / "gunicorn.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            _gunicorn_command(workers, list(extra)),
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one, by its id
        )
    server = Server("", process, log_path)
    try:
        server.url = _wait_until_ready(server)
        yield server
    finally:
        _stop(process)
        shutil.rmtree(log_dir, ignore_errors=True)


def _wait_until_ready(server: Server) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    url = ""
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"gunicorn exited early:\n{server.log()[-3000:]}")
        if not url:
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", server.log())
            url = found.group(1) if found else ""
        if url:
            try:
                if requests.get(url + "/", timeout=5).status_code == 200:
                    return url
            except requests.RequestException:
                pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not ready after {START_TIMEOUT:g} s:\n{server.log()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the master (it stops its workers), SIGKILL to its group if it will not go."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
        return
    except subprocess.TimeoutExpired:
        pass
    try:
        # The master is not yet reaped, so its pid is still the id of the group it leads.
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait(STOP_TIMEOUT)


# --------------------------------------------------------------------------- Dash requests


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN and Infinity (which Python's json would accept)."""

    def refuse(constant):
        raise ValueError(f"{constant} in a response")

    return json.loads(text, parse_constant=refuse)


@dataclass
class AppShape:
    """The callbacks (from /_dash-dependencies) and every component's props (/_dash-layout)."""

    dependencies: list[dict]
    components: list[tuple[Any, dict]] = field(default_factory=list)  # (id, props), page order

    @classmethod
    def fetch(cls, url: str, session: requests.Session | None = None) -> AppShape:
        get = (session or requests).get
        dependencies = get(url + "/_dash-dependencies", timeout=REQUEST_TIMEOUT).json()
        layout = get(url + "/_dash-layout", timeout=REQUEST_TIMEOUT).json()
        shape = cls(dependencies)
        shape._collect(layout)
        return shape

    def _collect(self, node) -> None:
        if isinstance(node, list):
            for item in node:
                self._collect(item)
        elif isinstance(node, dict):
            props = node.get("props") if "type" in node and "namespace" in node else None
            if isinstance(props, dict):
                if "id" in props:
                    self.components.append((props["id"], props))
                node = props
            for value in node.values():
                self._collect(value)

    def callback(self, output_part: str) -> dict:
        """The server-side callback whose output names output_part."""
        return next(d for d in self.dependencies if output_part in d["output"] and not d.get("clientside_function"))

    def server_callbacks(self) -> list[dict]:
        return [d for d in self.dependencies if not d.get("clientside_function")]

    def matching(self, pattern) -> list[tuple[dict, dict]]:
        """Components whose dict id matches a wildcard id (ALL) from the dependency list."""
        out = []
        for component_id, props in self.components:
            if not isinstance(component_id, dict) or set(component_id) != set(pattern):
                continue
            if all(value == ["ALL"] or component_id[key] == value for key, value in pattern.items()):
                out.append((component_id, props))
        return out

    def body(self, dependency: dict, values: dict | None = None, changed: list[str] | None = None) -> dict:
        """A callback request as the renderer sends it, with the page's current values.

        values overrides some: key a component id ("lr") or, for pattern-matched controls, the
        (owner, name) pair of the id ({"type": "opt-param", "owner": "adam", "name": "betas"}).
        """
        values = values or {}

        def entries(specs):
            out = []
            for spec in specs:
                pattern = _parse_id(spec["id"])
                prop = spec["property"]
                if isinstance(pattern, dict):
                    shown = self.matching(pattern)
                    # a value for a parameter of an owner the page does not show yet: its block,
                    # as the browser holds it once that optimizer or scheduler is chosen
                    shown += [({"type": pattern["type"], "owner": owner, "name": name}, {})
                              for owner, name in _typed_controls(values, pattern.get("type"))
                              if not any(cid.get("owner") == owner and cid.get("name") == name for cid, _ in shown)]
                    out.append([
                        {"id": cid, "property": prop, "value": cid if prop == "id" else
                         values.get((cid.get("owner"), cid.get("name")), props.get(prop))}
                        for cid, props in shown
                    ])  # fmt: skip
                else:
                    props = next((p for cid, p in self.components if cid == pattern), {})
                    value = values[pattern] if pattern in values else props.get(prop)
                    out.append({"id": pattern, "property": prop, "value": value})
            return out

        outputs = []
        for part in _split_output(dependency["output"]):
            component, _, prop = part.rpartition(".")
            pattern = _parse_id(component)
            if isinstance(pattern, dict):
                outputs.append([{"id": cid, "property": prop} for cid, _ in self.matching(pattern)])
            else:
                outputs.append({"id": pattern, "property": prop})
        inputs = entries(dependency["inputs"])
        if changed is None:
            changed = [f"{_key(i['id'])}.{i['property']}" for i in dependency["inputs"][:1]]
        return {
            "output": dependency["output"],
            "outputs": outputs if dependency["output"].startswith("..") else outputs[0],
            "inputs": inputs,
            "changedPropIds": changed,
            "state": entries(dependency["state"]),
        }


def _typed_controls(values: dict, kind) -> list[tuple[str, str]]:
    """The (owner, name) keys of values that name a parameter control of kind ("opt-param"
    or "sched-param")."""
    from engine.optimizers import OPTIMIZER_PARAMS
    from engine.schedules import SCHEDULER_PARAMS

    table = {"opt-param": OPTIMIZER_PARAMS, "sched-param": SCHEDULER_PARAMS}.get(kind, {})
    return [key for key in values if isinstance(key, tuple) and len(key) == 2 and key[0] in table]


def _split_output(output: str) -> list[str]:
    if output.startswith("..") and output.endswith(".."):
        return output[2:-2].split("...")
    return [output]


def _parse_id(text: str):
    return json.loads(text) if text.startswith("{") else text


def _key(component_id) -> str:
    return component_id if isinstance(component_id, str) else json.dumps(component_id, separators=(",", ":"))


def post_callback(session: requests.Session, url: str, body: Any) -> requests.Response:
    """POST a callback request; body is any JSON value (None too, sent as null)."""
    return session.post(
        url + "/_dash-update-component",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=REQUEST_TIMEOUT,
    )


# --------------------------------------------------------------------------- the heaviest request


def worst_requests() -> dict[str, tuple[dict, list[dict]]]:
    """The heaviest main-callback requests within the limits, by name: (controls, pinned Store).

    4 runs x STEPS_MAX steps with ReduceLROnPlateau (a loss evaluation each epoch) at the
    smallest rate, so none stops early by diverging, each with another optimizer (one update
    call each per step). On the data-fit problem each run also has its own batch size, so no
    two share a step loop; on analytic surfaces, the surface whose step costs most.
    """
    from engine import limits

    optimizers = [
        ("rmsprop", {"centered": True, "momentum": 0.5}),
        ("adam", {"betas": (0.8, 0.99)}),
        ("adagrad", {}),
    ]
    common = {"scheduler": "plateau", "lr": limits.LR_MIN, "steps": limits.STEPS_MAX}
    slowest = _slowest_surface()
    return {
        "linreg, 4 batch sizes": _pinned_request("linreg", common, optimizers, batch_sizes=[None, 2, 3], batch_size=1),
        slowest: _pinned_request(slowest, common, optimizers),
    }


def _pinned_request(surface, common, optimizers, batch_sizes=None, **current) -> tuple[dict, list[dict]]:
    from app.runs import config_to_dict
    from engine import RunConfig

    pins = [
        RunConfig(surface=surface, optimizer=name, optimizer_params=params, batch_size=batch, **common)
        for (name, params), batch in zip(optimizers, batch_sizes or [None] * len(optimizers), strict=True)
    ]
    controls = {"surface": surface, **common, **current, "optimizer": "adam", "opt_typed": {("adam", "amsgrad"): "true"}}
    return controls, [config_to_dict(p) for p in pins]


def _slowest_surface() -> str:
    """The analytic surface whose step costs most (a short Adam + plateau run each)."""
    from engine import SURFACES, DataFit, RunConfig, limits, simulate

    def cost(surface: str) -> float:
        config = RunConfig(surface=surface, optimizer="adam", scheduler="plateau", lr=limits.LR_MIN, steps=1000)
        started = time.process_time()
        simulate(config)
        return time.process_time() - started

    return max((name for name, problem in SURFACES.items() if not isinstance(problem, DataFit)), key=cost)
