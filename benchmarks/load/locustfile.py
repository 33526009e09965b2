"""Load test: logged-in users of mixed roles opening cockpits, switching indicators, filtering
areas — the HTTP traffic a browser produces (page, Dash layout/dependencies, router callback,
the page's initial callbacks and the callbacks an interaction triggers).

The Dash renderer is emulated generically from ``/_dash-dependencies``: component props come
from the router callback's page tree, callbacks fire when their inputs change (including the
cascade through outputs), so the test follows the app as its pages evolve.

Run it with ``benchmarks/load/run_load.py`` (starts PostgreSQL DB, Redis, gunicorn).
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

from locust import HttpUser, between, task

# Demo accounts (cockpit demo). Mix: 30 % Kreis-Redaktion, 30 % Analyse, 40 % Kommune.
ACCOUNTS = [
    ("kreis", "Demo-Redaktion-2026!", None, 3),
    ("analyse", "Demo-Auswertung-2026!", None, 3),
    ("kommune.goerlitz", "Demo-Goerlitz-2026!", "14626110", 2),
    ("kommune.zittau", "Demo-Zittau-2026!", "14626610", 2),
]
ROUTER_INPUT = "shell-url.pathname"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
MAX_CASCADE = 4


def _parse_outputs(output: str) -> list[tuple[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(p.rsplit(".", 1)) for p in parts]  # type: ignore[misc]


def _collect(node: Any, props: dict[str, dict[str, Any]]) -> None:
    """All components with a string id in a Dash component tree: id -> props."""
    if isinstance(node, list):
        for child in node:
            _collect(child, props)
    elif isinstance(node, dict) and "props" in node and "type" in node:
        component_props = node["props"]
        if isinstance(component_props.get("id"), str):
            props[component_props["id"]] = component_props
        for value in component_props.values():
            _collect(value, props)


class DashClient:
    """The part of the Dash renderer that produces server traffic."""

    def __init__(self, user: CockpitUser) -> None:
        self.user = user
        self.callbacks: list[dict[str, Any]] = []
        self.props: dict[str, dict[str, Any]] = {}

    def _usable(self, callback: dict[str, Any]) -> bool:
        if callback.get("clientside_function"):
            return False  # runs in the browser, no server traffic
        items = [*callback["inputs"], *callback["state"]]
        if any(not isinstance(i["id"], str) or i["id"].startswith("{") for i in items):
            return False
        # "prop@hash" marks an allow_duplicate output; the server strips it (like the renderer)
        outputs = _parse_outputs(callback["output"])
        return all(not oid.startswith("{") for oid, _prop in outputs)

    def load_app(self) -> None:
        client = self.user.client
        client.get("/_dash-layout", name="/_dash-layout")
        deps = client.get("/_dash-dependencies", name="/_dash-dependencies").json()
        self.callbacks = [c for c in deps if self._usable(c)]

    def _value(self, component: str, prop: str) -> Any:
        return self.props.get(component, {}).get(prop)

    def fire(self, callback: dict[str, Any], changed: list[str], name: str) -> dict[str, Any]:
        outputs = [{"id": i, "property": p} for i, p in _parse_outputs(callback["output"])]
        body = {
            "output": callback["output"],
            "outputs": outputs if callback["output"].startswith("..") else outputs[0],
            "inputs": [
                {**i, "value": self._value(i["id"], i["property"])} for i in callback["inputs"]
            ],
            "state": [
                {**s, "value": self._value(s["id"], s["property"])} for s in callback["state"]
            ],
            "changedPropIds": changed,
        }
        with self.user.client.post(
            "/_dash-update-component",
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
            name=f"callback {name}",
            catch_response=True,
        ) as response:
            if response.status_code == 204:  # PreventUpdate
                response.success()
                return {}
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return {}
            payload = response.json().get("response", {})
        for component, values in payload.items():
            self.props.setdefault(component, {}).update(values)
            for value in values.values():
                _collect(value, self.props)
        return payload

    def trigger(self, changed: set[str], initial: bool = False) -> None:
        """Fire every callback with a changed input, then the ones their outputs feed."""
        deferred = self._fed_by_initial_callbacks() if initial else set()
        for _ in range(MAX_CASCADE):
            next_changed: set[str] = set()
            for callback in self.callbacks:
                hit = self._hit(callback, changed, initial, deferred)
                if not hit:
                    continue
                label = _parse_outputs(callback["output"])[0][0]
                payload = self.fire(callback, sorted(hit), label)
                next_changed |= {f"{c}.{p}" for c, values in payload.items() for p in values}
            changed, initial = next_changed, False
            if not changed:
                break

    def _fires_initially(self, callback: dict[str, Any]) -> bool:
        present = all(i["id"] in self.props for i in callback["inputs"])
        return present and not callback.get("prevent_initial_call")

    def _fed_by_initial_callbacks(self) -> set[str]:
        """Like the renderer: a callback whose input another initial callback produces
        waits for that one (it then fires in the cascade), instead of firing twice."""
        deferred: set[str] = set()
        for callback in self.callbacks:
            if self._fires_initially(callback):
                deferred |= {f"{i}.{p}" for i, p in _parse_outputs(callback["output"])}
        return deferred

    def _hit(
        self, callback: dict[str, Any], changed: set[str], initial: bool, deferred: set[str]
    ) -> set[str]:
        """The inputs of ``callback`` that make it fire now (empty: it does not)."""
        inputs = {f"{i['id']}.{i['property']}" for i in callback["inputs"]}
        if ROUTER_INPUT in inputs:
            return set()
        if not initial:
            return inputs & changed
        if not self._fires_initially(callback) or inputs & deferred:
            return set()
        return (inputs & changed) or inputs

    def open_page(self, path: str, name: str) -> None:
        """A full page load: HTML, layout, dependencies, router, initial callbacks."""
        self.user.client.get(path, name=name)
        self.load_app()
        self.props = {"shell-url": {"pathname": path}}
        router = next(
            c
            for c in self.callbacks
            if any(f"{i['id']}.{i['property']}" == ROUTER_INPUT for i in c["inputs"])
        )
        self.fire(router, [ROUTER_INPUT], f"router {name}")
        page_ids = set(self.props)
        self.trigger({f"{i}.{p}" for i in page_ids for p in self.props[i]}, initial=True)

    def change(self, component: str, prop: str, value: Any) -> None:
        self.props.setdefault(component, {})[prop] = value
        self.trigger({f"{component}.{prop}"})

    def options(self, component: str) -> list[Any]:
        values = []
        for option in self._value(component, "options") or []:
            if isinstance(option, dict):
                if not option.get("disabled"):  # e.g. group headings
                    values.append(option.get("value"))
            else:
                values.append(option)
        return [v for v in values if v is not None]


class CockpitUser(HttpUser):
    # Think time of a person reading a dashboard between two interactions.
    wait_time = between(5, 15)

    def on_start(self) -> None:
        username, password, ags, _weight = random.choices(
            ACCOUNTS, weights=[a[3] for a in ACCOUNTS]
        )[0]
        self.ags = ags
        self.is_kommune = ags is not None
        self.dash = DashClient(self)
        # The app sets Secure cookies (production mode) and refreshes the session cookie on
        # every response; this loopback test talks plain http, so keep them sendable.
        send = self.client.request

        def request(*args: Any, **kwargs: Any) -> Any:
            response = send(*args, **kwargs)
            for cookie in self.client.cookies:
                cookie.secure = False
            return response

        self.client.request = request  # type: ignore[method-assign]
        page = self.client.get("/login", name="/login")
        match = CSRF_RE.search(page.text)
        token = (match.group(1) or match.group(2)) if match else ""
        with self.client.post(
            "/login",
            data={"csrf_token": token, "username": username, "password": password, "next": ""},
            allow_redirects=False,
            name="POST /login",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login failed for {username}: {response.status_code}")

    @task(3)
    def open_cockpit(self) -> None:
        ags = self.ags or random.choice(["14626110", "14626610", "14626240", "14626020"])
        self.dash.open_page(f"/kommune/{ags}", "/kommune/[ags]")

    @task(3)
    def overview_switch_indicators(self) -> None:
        self.dash.open_page("/", "/")
        indicators = self.dash.options("overview-indicator")
        for indicator in random.sample(indicators, k=min(2, len(indicators))):
            self.dash.change("overview-indicator", "value", indicator)

    @task(2)
    def filter_areas(self) -> None:
        self.dash.open_page("/flaechen", "/flaechen")
        kinds = self.dash.options("areas-f-kind")
        if kinds:
            self.dash.change("areas-f-kind", "value", random.sample(kinds, k=1))
        statuses = self.dash.options("areas-f-status")
        if statuses:
            self.dash.change("areas-f-status", "value", random.sample(statuses, k=1))
