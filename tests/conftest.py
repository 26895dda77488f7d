import pytest
from django.core.cache import cache

from tests.browser import Browser
from tests.factories import make_user


@pytest.fixture
def publisher():
    """A signed-up team member in the Publishers group."""
    return make_user("publisher", publisher=True)


@pytest.fixture
def member():
    """A signed-up team member who may edit but not publish."""
    return make_user("member")


@pytest.fixture
def browser(member):
    """The member's browser: CSRF checks on, as a real one."""
    return Browser(member)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: download windows (catalog/downloads.py) live
    there, and one test's downloads must not use up the next one's."""
    cache.clear()


@pytest.fixture
def scaled_limits(settings):
    """Archive limits below the sizes of the archives make_archives.py builds at scale 0.05,
    as archives.md asks, so that its size bombs meet them."""
    settings.SKILLHUB_ARCHIVE_LIMITS = {
        **settings.SKILLHUB_ARCHIVE_LIMITS,
        "max_file_bytes": 256 * 1024,
        "max_total_bytes": 4 * 1024 * 1024,
    }


@pytest.fixture
def site():
    """The URL of Skillhub served on loopback from the test database (tests/live.serve);
    a test using it needs pytest.mark.django_db(transaction=True)."""
    from tests import live

    with live.serve() as url:
        yield url


@pytest.fixture(scope="session")
def claude_code():
    """The pinned Claude Code CLI (tests/claude_code.py), installed once into the cache."""
    from tests import claude_code as cli

    try:
        return cli.ClaudeCode(cli.install())
    except cli.Unavailable as reason:
        pytest.skip(f"Claude Code {cli.VERSION} is not available here: {reason}")
