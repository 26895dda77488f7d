import pytest


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_does(client):
    assert client.get("/healthz").status_code == 200
