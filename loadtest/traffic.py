"""The load: a small asyncio HTTP/1.1 client and the mixed traffic it sends.

Standard library only. Every request opens its own connection and asks the server to
close it (`make serve` runs gunicorn's sync workers, which serve one request per
connection anyway), so the client is a write, a read to end of stream and a parse.
Every route expects a 200: a redirect to the login page is as much a failure of the
preview as a 500 is.
"""

import asyncio
import contextlib
import itertools
import json
import math
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

HOST = "127.0.0.1"  # the only place the load goes
TIMEOUT_SECONDS = 30.0
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
SEARCH_WORDS = ("review", "deploy", "lighthouse", "tests", "diff", "release", "zz-nothing")
PREVIEW_TEXT = (
    "---\ndescription: Review the staged diff\nargument-hint: <path>\n"
    "allowed-tools: Bash(git diff:*)\n---\n"
    "# Review\n\nReview the staged diff for `$ARGUMENTS` and list:\n\n"
    "- risky changes\n- missing tests\n\n```sh\ngit diff --staged\n```\n"
)
BROKEN_TEXT = "---\ndescription: [unclosed\n---\nBody.\n"


@dataclass(frozen=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def cookies(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, value in self.headers:
            if name.lower() == "set-cookie":
                found.update({key: m.value for key, m in SimpleCookie(value).items()})
        return found


async def send(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> Response:
    """One request on a fresh connection to 127.0.0.1:port; the whole response."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), TIMEOUT_SECONDS)
    try:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {HOST}:{port}",
            "Connection: close",
            "User-Agent: skillhub-loadtest",
        ]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), TIMEOUT_SECONDS)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return parse_response(raw)


def parse_response(raw: bytes) -> Response:
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        raise ValueError(f"incomplete response ({len(raw)} bytes)")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"bad status line {status_line[:80]!r}")
    headers = []
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return Response(int(parts[1]), headers, body)


@dataclass(frozen=True)
class Session:
    """A signed-in editor: its cookies and the CSRF token for its POSTs."""

    cookies: dict[str, str]

    @property
    def csrf_token(self) -> str:
        return self.cookies["csrftoken"]

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())


async def sign_in(port: int, username: str, password: str) -> Session:
    page = await send(port, "GET", "/accounts/login/")
    token = CSRF_FIELD.search(page.body)
    if page.status != 200 or token is None:
        raise RuntimeError(f"GET /accounts/login/ answered {page.status} without a CSRF field")
    cookies = page.cookies()
    form = {
        "username": username,
        "password": password,
        "csrfmiddlewaretoken": token.group(1).decode(),
        "next": "/edit/",
    }
    answer = await send(
        port,
        "POST",
        "/accounts/login/",
        urlencode(form).encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    cookies.update(answer.cookies())  # signing in rotates the CSRF token
    if answer.status != 302 or "sessionid" not in cookies or "csrftoken" not in cookies:
        raise RuntimeError(f"signing in answered {answer.status} and set no session cookie")
    return Session(cookies)


# -- the traffic mix ----------------------------------------------------------------

Request = tuple[str, str, bytes, dict[str, str]]  # method, path, body, headers


@dataclass(frozen=True)
class Route:
    name: str
    weight: int
    build: Callable[[random.Random], Request]


def traffic_mix(items: list[tuple[str, str]], session: Session) -> list[Route]:
    """What the public, API clients and one editor send, in rough proportion."""

    def item(rng: random.Random) -> tuple[str, str]:
        return rng.choice(items)

    def get(path: str) -> Request:
        return "GET", path, b"", {}

    def catalog(rng):
        return get(rng.choice(["/", "/", "/?sort=downloads", "/?page=2", "/?kind=skill"]))

    def search(rng):
        return get("/?" + urlencode({"q": rng.choice(SEARCH_WORDS)}))

    def item_page(rng):
        kind, name = item(rng)
        return get(f"/{kind}s/{quote(name)}/")

    def raw(rng):
        kind, name = item(rng)
        return get(f"/{kind}s/{quote(name)}/raw")

    def export(rng):
        wanted = rng.sample(items, k=min(len(items), rng.randint(1, 3)))
        query = urlencode([("item", f"{kind}/{name}") for kind, name in wanted])
        return get(f"/export.zip?{query}")

    def api_list(rng):
        return get(rng.choice(["/api/skills", "/api/skills?page=2", "/api/skills?q=review"]))

    def api_item(rng):
        kind, name = item(rng)
        return get(f"/api/skills/{kind}/{quote(name)}")

    def api_validate(rng):
        text = rng.choice([PREVIEW_TEXT, BROKEN_TEXT])
        body = json.dumps({"text": text, "kind": "command"}).encode()
        return "POST", "/api/validate", body, {"Content-Type": "application/json"}

    def preview(rng):
        name = item(rng)[1]
        form = {"text": PREVIEW_TEXT, "kind": "command", "name": "review", "arguments": name}
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": session.cookie_header(),
            "X-CSRFToken": session.csrf_token,
            "HX-Request": "true",
        }
        return "POST", "/edit/preview", urlencode(form).encode(), headers

    return [
        Route("catalog /", 14, catalog),
        Route("catalog /?q=", 10, search),
        Route("item page", 18, item_page),
        Route("raw", 14, raw),
        Route("export.zip", 8, export),
        Route("api list", 10, api_list),
        Route("api item", 12, api_item),
        Route("api validate", 7, api_validate),
        Route("edit preview", 7, preview),
    ]


# -- running and counting -------------------------------------------------------------


@dataclass
class RouteStats:
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)


@dataclass
class Results:
    routes: dict[str, RouteStats]
    seconds: float = 0.0
    samples: list[str] = field(default_factory=list)  # the first few failures, verbatim

    def record(self, route: str, elapsed: float, failure: str | None, path: str) -> None:
        stats = self.routes[route]
        stats.latencies.append(elapsed)
        if failure:
            stats.errors[failure] += 1
            if len(self.samples) < 10:
                self.samples.append(f"{route}: {path} -> {failure}")

    @property
    def total_errors(self) -> int:
        return sum(sum(stats.errors.values()) for stats in self.routes.values())


async def run_load(
    port: int, routes: list[Route], seconds: float, max_requests: int, concurrency: int
) -> Results:
    """`concurrency` connections, each sending the next request as soon as the last is
    answered, until `seconds` have passed or `max_requests` have been sent."""
    results = Results({route.name: RouteStats() for route in routes})
    weights = [route.weight for route in routes]
    sent = itertools.count()
    deadline = time.monotonic() + seconds

    async def connection(number: int) -> None:
        rng = random.Random(number)
        while time.monotonic() < deadline and next(sent) < max_requests:
            route = rng.choices(routes, weights)[0]
            method, path, body, headers = route.build(rng)
            started = time.perf_counter()
            try:
                response = await send(port, method, path, body, headers)
                failure = None if response.status == 200 else f"HTTP {response.status}"
            except Exception as error:  # any failure to get an answer is an error to report
                failure = f"{type(error).__name__}: {error}"[:120]
            results.record(route.name, time.perf_counter() - started, failure, path)

    started = time.perf_counter()
    await asyncio.gather(*(connection(number) for number in range(concurrency)))
    results.seconds = time.perf_counter() - started
    return results


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (not empty)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def report(results: Results) -> str:
    """A table: requests, requests per second, p50 and p99 in ms, errors; per route and overall."""
    header = f"{'route':<16}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
    lines = [header, "-" * len(header)]

    def row(name: str, latencies: list[float], errors: int) -> str:
        if not latencies:
            return f"{name:<16}{0:>10}{0:>9.1f}{'-':>9}{'-':>9}{errors:>8}"
        rate = len(latencies) / results.seconds
        p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
        return f"{name:<16}{len(latencies):>10}{rate:>9.1f}{p50:>9.1f}{p99:>9.1f}{errors:>8}"

    every: list[float] = []
    for name, stats in results.routes.items():
        lines.append(row(name, stats.latencies, sum(stats.errors.values())))
        every += stats.latencies
    lines += ["-" * len(header), row("overall", every, results.total_errors)]
    if results.samples:
        lines += ["", "First failures:", *(f"  {sample}" for sample in results.samples)]
    return "\n".join(lines)
