"""The blob store: skills' file contents in the database by default, or in an S3 bucket
through django-storages with SKILLHUB_BLOB_STORAGE=s3, tested against moto's S3 server
on loopback (tests/s3.py; the `bucket` fixture is in conftest.py), listed and read back
with boto3."""

import hashlib
import io
import json
import subprocess
import sys
import tarfile

import pytest

from catalog import exporting
from catalog.blobs import Blob, BlobCorrupted, storage_name
from catalog.models import Skill, Version
from catalog.skilltree import TreeFile
from tests.s3 import KEYS, REGION
from tests.shared import PRODUCTION_ENV, REPO, settings_printed
from tests.trees import TEMPLATE_JSON, pdf_skill

pytestmark = pytest.mark.django_db


def pdf_skill_with_a_copy() -> tuple[str, dict[str, TreeFile]]:
    """pdf_skill() plus a second path holding the same bytes as assets/template.json."""
    text, files = pdf_skill()
    files["assets/copy-of-template.json"] = TreeFile("assets/copy-of-template.json", TEMPLATE_JSON)
    return text, dict(sorted(files.items()))


def addresses(files: dict[str, TreeFile]) -> list[str]:
    return sorted({storage_name(file.sha256) for file in files.values()})


def reloaded(version: Version) -> Version:
    """The version as a later request sees it: nothing cached on the instance."""
    return Version.objects.get(pk=version.pk)


def test_saving_a_multi_file_skill_puts_each_distinct_file_in_the_bucket_exactly_once(bucket):
    text, files = pdf_skill_with_a_copy()

    with bucket.as_blob_store():
        Skill.create("skill", "pdf", text, None, "First", files=files)

    assert len(files) == 8
    assert bucket.keys() == addresses(files)
    assert len(bucket.keys()) == 7
    for file in files.values():
        assert bucket.read(file.sha256) == file.data


def test_blobs_kept_in_the_bucket_have_no_content_in_the_database(bucket):
    text, files = pdf_skill()

    with bucket.as_blob_store():
        Skill.create("skill", "pdf", text, None, files=files)

    rows = Blob.objects.values_list("sha256", "size", "content")
    assert sorted((sha, size) for sha, size, _ in rows) == sorted(
        (file.sha256, file.size) for file in files.values()
    )
    assert {content for _, _, content in rows} == {None}


def test_a_version_reads_its_files_back_from_the_bucket_byte_for_byte(bucket):
    text, files = pdf_skill()
    with bucket.as_blob_store():
        version = Skill.create("skill", "pdf", text, None, files=files).version

        tree = reloaded(version).tree()

    assert tree == files
    assert {path for path, file in tree.items() if file.executable} == {
        "scripts/check_fields.py",
        "scripts/fill/fill_form.py",
    }


def test_a_second_version_changing_one_file_adds_exactly_one_object(bucket):
    text, files = pdf_skill()
    with bucket.as_blob_store():
        first = Skill.create("skill", "pdf", text, None, files=files).version
        skill = Skill.objects.get(pk=first.skill_id)
        before = bucket.keys()
        changed = dict(files)
        changed["references/forms.md"] = TreeFile("references/forms.md", b"# Forms, revised\n")

        second = skill.save_version(text, None, "Revise the forms guide", files=changed).version

        after = bucket.keys()
        assert reloaded(second).tree() == changed
    assert set(after) - set(before) == {storage_name(changed["references/forms.md"].sha256)}
    assert len(after) == len(before) + 1


def test_the_database_default_keeps_content_in_the_row_and_writes_nothing_to_storage(bucket):
    text, files = pdf_skill()

    with bucket.beside_the_database_store():
        version = Skill.create("skill", "pdf", text, None, files=files).version
        tree = reloaded(version).tree()

    assert bucket.keys() == []
    stored = dict(Blob.objects.values_list("sha256", "content"))
    assert {sha: bytes(content) for sha, content in stored.items()} == {
        file.sha256: file.data for file in files.values()
    }
    assert tree == files


def test_a_file_already_in_the_database_is_not_copied_to_the_bucket_later(bucket):
    """Switching a site to S3 leaves its earlier blobs where they are, and still readable."""
    text, files = pdf_skill()
    first = Skill.create("skill", "pdf", text, None, files=files).version
    changed = dict(files)
    changed["LICENSE.txt"] = TreeFile("LICENSE.txt", b"MIT\n")

    with bucket.as_blob_store():
        skill = Skill.objects.get(pk=first.skill_id)
        second = skill.save_version(text, None, "Relicense", files=changed).version
        assert reloaded(first).tree() == files
        assert reloaded(second).tree() == changed

    assert bucket.keys() == [storage_name(changed["LICENSE.txt"].sha256)]


def test_a_blob_missing_from_the_bucket_is_a_clear_error(bucket):
    text, files = pdf_skill()
    with bucket.as_blob_store():
        version = Skill.create("skill", "pdf", text, None, files=files).version
        bucket.delete(files["LICENSE.txt"].sha256)

        with pytest.raises(Blob.DoesNotExist, match="missing from the blob storage"):
            reloaded(version).tree()


def test_a_blob_whose_object_was_altered_in_the_bucket_is_refused_not_served(bucket):
    text, files = pdf_skill()
    with bucket.as_blob_store():
        version = Skill.create("skill", "pdf", text, None, files=files).version
        bucket.put(files["LICENSE.txt"].sha256, b"Someone else's licence\n")

        with pytest.raises(BlobCorrupted, match="does not match its digest"):
            reloaded(version).tree()


# -- settings from the environment ------------------------------------------------------


def test_skillhub_blob_storage_s3_configures_django_storages_from_the_environment():
    env = {
        "SKILLHUB_BLOB_STORAGE": "s3",
        "SKILLHUB_S3_BUCKET": "team-skills",
        "SKILLHUB_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "SKILLHUB_S3_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "example-secret",
    }

    storage = json.loads(settings_printed("__import__('json').dumps(s.STORAGES['s3'])", env))

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "team-skills",
        "endpoint_url": "http://127.0.0.1:9000",
        "region_name": "eu-west-1",
        "access_key": "AKIAEXAMPLE",
        "secret_key": "example-secret",
        "security_token": None,
        "file_overwrite": True,
        "default_acl": None,
        "querystring_auth": True,
    }


def test_the_database_is_the_blob_store_when_nothing_is_set():
    printed = settings_printed("repr(s.SKILLHUB_BLOB_STORAGE), 's3' in s.STORAGES", {})

    assert printed == "'' False"


def settings_error(env: dict) -> str:
    code = "from skillhub import settings"
    env = {**PRODUCTION_ENV, **env}
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert process.returncode != 0
    return process.stderr.strip().splitlines()[-1]


def test_s3_without_a_bucket_is_refused_with_a_clear_message():
    error = settings_error({"SKILLHUB_BLOB_STORAGE": "s3"})

    assert error.startswith("django.core.exceptions.ImproperlyConfigured:")
    assert "SKILLHUB_BLOB_STORAGE=s3 needs SKILLHUB_S3_BUCKET" in error


def test_a_blob_storage_other_than_s3_or_the_database_is_refused():
    error = settings_error({"SKILLHUB_BLOB_STORAGE": "dropbox"})

    assert "SKILLHUB_BLOB_STORAGE='dropbox' is not a blob store" in error


def test_the_storage_configured_from_the_environment_writes_blobs_into_a_real_bucket(bucket):
    """The settings' own STORAGES["s3"], in a fresh process, against moto: what a deployment
    gets from its environment alone."""
    data = b"#!/bin/sh\necho from the environment\n"
    sha256 = hashlib.sha256(data).hexdigest()
    code = (
        "import django; django.setup()\n"
        "from catalog.blobs import blob_storage, read_stored, write_stored\n"
        f"write_stored(blob_storage(), {sha256!r}, {data!r})\n"
        f"assert read_stored({sha256!r}) == {data!r}\n"
    )
    env = {
        **PRODUCTION_ENV,
        "DJANGO_SETTINGS_MODULE": "skillhub.settings",
        "SKILLHUB_BLOB_STORAGE": "s3",
        "SKILLHUB_S3_BUCKET": bucket.name,
        "SKILLHUB_S3_ENDPOINT_URL": bucket.endpoint,
        "SKILLHUB_S3_REGION": REGION,
        "AWS_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
    }

    subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, check=True)

    assert bucket.keys() == [storage_name(sha256)]
    assert bucket.read(sha256) == data


def test_a_bundle_of_a_skill_kept_in_the_bucket_holds_every_file_with_its_mode(bucket):
    text, files = pdf_skill()
    with bucket.as_blob_store():
        Skill.create("skill", "pdf", text, None, files=files)
        items = exporting.bundle_items(skills=Skill.objects.filter(name="pdf"), latest=True)

        bundle = b"".join(exporting.iter_bundle(items, "tar.gz"))

    with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as archive:
        found = {
            m.name.removeprefix(".claude/skills/pdf/"): (archive.extractfile(m).read(), m.mode)
            for m in archive.getmembers()
            if m.name.startswith(".claude/skills/pdf/")
        }
    assert found.pop("SKILL.md") == (text.encode(), 0o644)
    assert found == {path: (f.data, f.mode) for path, f in files.items()}
