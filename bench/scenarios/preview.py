"""2. Preview over HTTP: POST /edit/preview with a 15 KB file against GET /healthz.

Both go to one gunicorn (2 workers) on loopback, over one keep-alive connection, signed
in as a team member, one request at a time and in turn. /healthz is the cost of a
request that does nothing (routing, middleware, one SELECT 1, the response), so the
ratio is what the preview itself adds, whatever the machine.
"""

from measure import Row, interleave, skipped, timed_row
from server import Browser, Gunicorn

SCENARIO = "2 preview"
LIMIT = 4.0


def run(ctx) -> list[Row]:
    username = "bench-editor"
    _, password = ctx.user(username)
    text = ctx.fifteen_kb
    case = f"POST /edit/preview, {len(text.encode('utf-8')) / 1024:.1f} KB"
    n, seconds = (50, 20) if ctx.quick else (200, 120)
    with Gunicorn(ctx.env, ctx.tmp / "gunicorn.log") as port:
        browser = Browser(port)
        try:
            browser.sign_in(username, password)
            fields = {"text": text, "kind": "command", "name": "bench", "arguments": "api fast"}
            headers = {"X-CSRFToken": browser.cookies.get("csrftoken", ""), "HX-Request": "true"}

            status, page = browser.post_form("/edit/preview", fields, headers)
            if status == 404:
                return [skipped(SCENARIO, case, "POST /edit/preview answered 404")]
            if status != 200 or b"data-skill-body" not in page:
                raise RuntimeError(f"POST /edit/preview answered {status}: {page[:300]!r}")

            def preview() -> None:
                status, _ = browser.post_form("/edit/preview", fields, headers)
                assert status == 200, status

            def healthz() -> None:
                status, _ = browser.get("/healthz")
                assert status == 200, status

            subject, baseline = interleave(preview, healthz, n=n, max_seconds=seconds, warmup=10)
        finally:
            browser.close()
    return [timed_row(SCENARIO, case, subject, "GET /healthz", baseline, limit=LIMIT)]
