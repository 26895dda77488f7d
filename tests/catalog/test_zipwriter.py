"""catalog.zipwriter: the one zip writer, read back by Python's zipfile and by unzip."""

import io
import shutil
import stat
import subprocess
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import zipwriter
from catalog.paths import mode_of
from catalog.zipwriter import Member

names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda name: not name.startswith("/"))
members = st.lists(
    st.tuples(names, st.binary(max_size=3000), st.booleans()),
    max_size=8,
    unique_by=lambda member: member[0],
)


def written(items, descriptors=False, streamed=False) -> bytes:
    def member(path, data, executable):
        mode = mode_of(executable)
        if streamed:  # in small pieces, made again on each call
            return Member(
                path, chunks=lambda: (data[i : i + 7] for i in range(0, len(data), 7)), mode=mode
            )
        return Member(path, data=data, mode=mode)

    members = (member(*item) for item in items)
    return b"".join(zipwriter.zip_pieces(members, descriptors=descriptors))


def zipfile_stream(items) -> bytes:
    """What Python's zipfile writes to a stream it cannot seek, with the same fixed fields."""

    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.out = bytearray()

        def writable(self):
            return True

        def write(self, data):
            self.out += data
            return len(data)

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data, executable in items:
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (0o100000 | (0o755 if executable else 0o644)) << 16
            archive.writestr(info, data, compresslevel=9)
    return bytes(sink.out)


@settings(max_examples=150, deadline=None)
@given(members)
def test_a_zip_with_data_descriptors_is_byte_for_byte_what_zipfile_streams(items):
    assert written(items, descriptors=True) == zipfile_stream(items)
    assert written(items, descriptors=True, streamed=True) == zipfile_stream(items)


@settings(max_examples=150, deadline=None)
@given(members, st.booleans())
def test_every_zip_reads_back_with_its_names_bytes_and_modes(items, descriptors):
    with zipfile.ZipFile(io.BytesIO(written(items, descriptors))) as archive:
        assert archive.testzip() is None
        read = [
            (info.filename, archive.read(info), info.external_attr >> 16)
            for info in archive.infolist()
        ]
    expected = [(path, data, stat.S_IFREG | (0o755 if x else 0o644)) for path, data, x in items]
    assert read == expected


@settings(max_examples=60, deadline=None)
@given(members)
def test_a_member_given_as_chunks_is_written_as_the_same_bytes_as_its_data(items):
    assert written(items, streamed=True) == written(items)


def test_an_entry_has_its_sizes_in_the_local_header_unless_it_uses_a_descriptor():
    sized = written([("a.md", b"hello", False)])
    described = written([("a.md", b"hello", False)], descriptors=True)
    assert int.from_bytes(sized[6:8], "little") == 0  # no flags
    assert int.from_bytes(sized[22:26], "little") == 5  # its size
    assert int.from_bytes(described[6:8], "little") == 0x08
    assert int.from_bytes(described[22:26], "little") == 0


def test_a_name_that_is_not_ascii_has_the_utf8_flag_and_reads_back():
    data = written([("skills/café/SKILL.md", b"x", False)])
    assert int.from_bytes(data[6:8], "little") == 0x800
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["skills/café/SKILL.md"]


def test_the_same_members_always_give_the_same_bytes():
    items = [("b/x.sh", b"#!/bin/sh\necho hi\n", True), ("a.md", b"# hello\n" * 100, False)]
    assert written(items) == written(items)
    assert written(items, descriptors=True) == written(list(items), descriptors=True)


def test_an_archive_of_more_entries_than_a_zip_holds_is_refused_before_anything_is_written():
    zipwriter.check_count(65_535)
    with pytest.raises(
        ValueError, match="65,536 entries: a zip without zip64 holds at most 65,535"
    ):
        zipwriter.check_count(65_536)


def test_a_member_needs_exactly_one_of_data_and_chunks_from_the_start():
    refused = r"^a\.md: a member needs exactly one of data and chunks, {} given$"
    with pytest.raises(ValueError, match=refused.format("neither")):
        Member("a.md")
    with pytest.raises(ValueError, match=refused.format("both")):
        Member("a.md", data=b"x", chunks=lambda: [b"x"])


def test_the_count_is_refused_in_the_callers_terms():
    with pytest.raises(
        ValueError, match="65,535 entries and a lock file: a zip without zip64 holds at most 65,535"
    ):
        zipwriter.check_count(65_536, "65,535 entries and a lock file")


@pytest.mark.skipif(shutil.which("unzip") is None, reason="unzip is not installed")
def test_unzip_extracts_both_layouts_with_the_executable_bit(tmp_path):
    items = [("run.sh", b"#!/bin/sh\necho ok\n", True), ("notes.md", b"notes\n", False)]
    for descriptors in (False, True):
        archive = tmp_path / f"{descriptors}.zip"
        archive.write_bytes(written(items, descriptors))
        target = tmp_path / f"out-{descriptors}"
        subprocess.run(["unzip", "-q", str(archive), "-d", str(target)], check=True)
        assert (target / "run.sh").read_bytes() == b"#!/bin/sh\necho ok\n"
        assert (target / "run.sh").stat().st_mode & 0o777 == 0o755
        assert (target / "notes.md").stat().st_mode & 0o777 == 0o644


@settings(max_examples=60, deadline=None)
@given(members)
def test_a_directory_given_again_writes_the_same_bytes_as_one_the_writer_keeps(items):
    def member(path, data, executable):
        return Member(path, data=data, mode=mode_of(executable))

    def directory():
        return ((path, mode_of(executable)) for path, _, executable in items)

    kept = b"".join(zipwriter.zip_pieces(member(*item) for item in items))
    again = zipwriter.zip_pieces((member(*item) for item in items), directory=directory)
    assert b"".join(again) == kept


def test_a_directory_that_does_not_match_the_members_is_refused():
    members = [Member("a.md", data=b"a"), Member("b.md", data=b"b")]
    with pytest.raises(ValueError, match="fewer entries"):
        b"".join(zipwriter.zip_pieces(members, directory=lambda: [("a.md", 0o644)]))
