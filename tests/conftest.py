import pytest

from tests.factories import make_user


@pytest.fixture
def publisher():
    """A signed-up team member in the Publishers group."""
    return make_user("publisher", publisher=True)
