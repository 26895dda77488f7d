"""A real S3 API on loopback for the blob store's tests: moto's standalone server.

tests/catalog/conftest.py's `moto_server` starts moto's threaded server once per session
on 127.0.0.1 at a free port (start_moto_server), and its `bucket` is an S3Bucket here: a
new, empty bucket (made with boto3), the settings that point Skillhub's blob store at it
(SKILLHUB_BLOB_STORAGE="s3" and STORAGES["s3"] as skillhub/settings.py makes it from the
environment), and a way to list and read what is in it. Django's storage handler forgets
its storages when STORAGES changes, so override_settings gives each test its own bucket.
"""

import itertools
from dataclasses import dataclass

from django.conf import settings
from django.test import override_settings

from catalog.blobs import storage_name

REGION = "us-east-1"
# moto accepts any key; these only have to be the same on both sides.
KEYS = {"aws_access_key_id": "skillhub-test", "aws_secret_access_key": "skillhub-test-secret"}
_buckets = itertools.count()


def start_moto_server():
    """moto's threaded S3 server on 127.0.0.1 at a free port: (server, endpoint URL)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


@dataclass
class S3Bucket:
    endpoint: str
    name: str

    @property
    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, **KEYS)

    def create(self) -> "S3Bucket":
        self.client.create_bucket(Bucket=self.name)
        return self

    def keys(self) -> list[str]:
        """Every object's name, however many pages the listing takes."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, sha256: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=storage_name(sha256))["Body"].read()

    def put(self, sha256: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=storage_name(sha256), Body=data)

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=storage_name(sha256))

    def storages(self) -> dict:
        """settings.STORAGES with the "s3" alias on this bucket, as settings.py makes it."""
        options = {
            "bucket_name": self.name,
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "access_key": KEYS["aws_access_key_id"],
            "secret_key": KEYS["aws_secret_access_key"],
            "file_overwrite": True,
            "default_acl": None,
            "querystring_auth": True,
        }
        s3 = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
        return {**settings.STORAGES, "s3": s3}

    def as_blob_store(self):
        """Settings under which Skillhub keeps blobs in this bucket."""
        return override_settings(SKILLHUB_BLOB_STORAGE="s3", STORAGES=self.storages())

    def beside_the_database_store(self):
        """The bucket configured as a storage, but blobs kept in the database (the default)."""
        return override_settings(SKILLHUB_BLOB_STORAGE="", STORAGES=self.storages())


def new_bucket(endpoint: str) -> S3Bucket:
    return S3Bucket(endpoint, f"skillhub-blobs-{next(_buckets)}").create()
