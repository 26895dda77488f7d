"""catalog.bundles: reproducible bundles, and uploads read safely (adversarial/archives.md)."""

import base64
import contextlib
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from catalog import layouts
from catalog.bundles import (
    LOCK_PATH,
    ArchiveError,
    BundleFile,
    BundleItem,
    Limits,
    Upload,
    UploadEntry,
    iter_folder_tar_gz,
    iter_folder_zip,
    iter_tar_gz,
    iter_zip,
    lock_file,
    read_upload,
    verify_lock,
    write_tar_gz,
    write_zip,
)
from catalog.skilltree import TreeFile, tree_digest
from tests.shared import ADVERSARIAL, needs_shared

KIB = 1024
MIB = 1024 * KIB

# The project's limits with the two size caps lowered below the bombs that
# make_archives.py builds at --scale 0.05: the smallest single-file bomb then
# expands to 6.4 MiB and zip-bomb-total to 10 MiB in files of 26 KiB.
LIMITS = Limits(
    **{**settings.SKILLHUB_ARCHIVE_LIMITS, "max_file_bytes": 256 * KIB, "max_total_bytes": 4 * MIB}
)

SKILL = b"---\ndescription: Summarize the staged diff\n---\nSummarize the staged diff.\n"

ITEMS = [
    BundleItem("command", "git:commit", ".claude/commands/git/commit.md", 3, SKILL),
    BundleItem(
        "skill",
        "deploy",
        ".claude/skills/deploy/SKILL.md",
        1,
        "---\nname: deploy\n---\né\n".encode(),
    ),
    BundleItem("agent", "reviewer", ".claude/agents/reviewer.md", 2, b"Review the diff.\n"),
    BundleItem("output-style", "terse", ".claude/output-styles/terse.md", 1, b""),
]


def refusal(filename: str, data: bytes, limits: Limits = LIMITS) -> ArchiveError:
    with pytest.raises(ArchiveError) as caught:
        read_upload(filename, data, limits)
    return caught.value


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_of(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def unpacked(upload: Upload) -> dict[str, bytes]:
    return {entry.path: entry.data for entry in upload.entries}


# -- hostile archives (adversarial/archives.md) -----------------------------------

# For each refused case: (start of a line of the error, a word of its reason).
# "{file}" is the archive's own name, for problems of the archive as a whole.
REFUSED = {
    "zip-slip-relative": [("../../evil.md:", "'..'")],
    "zip-slip-nested": [
        ("skills/../../../tmp/evil.md:", "'..'"),
        ("skills/sub/../inside.md:", "'..'"),
    ],
    "zip-slip-backslash": [
        ("..\\..\\evil.md:", "backslash"),
        ("sub\\..\\..\\evil2.md:", "backslash"),
    ],
    "zip-absolute-paths": [
        ("/etc/cron.d/evil.md:", "absolute"),
        ("C:/Windows/Temp/evil.md:", "drive letter"),
        ("C:\\evil.md:", "drive letter"),
        ("//server/share/evil.md:", "absolute"),
    ],
    "zip-nul-in-name": [("safe.md\\x00../../evil.sh:", "nul character")],
    "zip-header-name-mismatch": [("innocent.md:", "../evil.md")],
    "zip-unicode-path-extra": [("innocent.md:", "../../evil.md")],
    "zip-control-chars-in-names": [
        ("\\x1b[31mred.md:", "control"),
        ("tab\\tname.md:", "control"),
        ("new\\nline.md:", "control"),
        ("cr\\rname.md:", "control"),
    ],
    "zip-deep-path": [
        ("d/d/d/d/d/d/d/d/", "301 components"),
        ("nnnnnnnnnnnnnnnn", "5003 characters"),
    ],
    "zip-non-utf8-names": [
        ("r\\x82sum\\x82.md:", "not utf-8"),
        ("\\x93\\xfa\\x96{.md:", "not utf-8"),
    ],
    "zip-invalid-utf8-flagged-name": [("bad\\xff\\xfe.md:", "not valid utf-8")],
    "zip-windows-hostile-names": [
        ("con.md:", "reserved"),
        ("aux:", "reserved"),
        ("nul.md:", "reserved"),
        ("evil.md.:", "trailing dot"),
        ("evil.md :", "trailing dot or space"),
        ("x.md:stream:", "not allowed on windows"),
        ("a<b>.md:", "not allowed on windows"),
        ("pipe|.md:", "not allowed on windows"),
    ],
    "zip-symlink-entry": [("link.md:", "not a regular file (symlink)")],
    "zip-symlink-write-through": [("dir:", "not a regular file (symlink)")],
    "tar-slip": [("../../evil.md:", "'..'"), ("/etc/evil.md:", "absolute")],
    "tar-symlink-write-through": [("link:", "symlink to /etc")],
    "tar-hardlink": [
        ("passwd.md:", "hard link to /etc/passwd"),
        ("up.md:", "hard link to ../../outside.md"),
    ],
    "tar-special-files": [
        ("null.md:", "character device"),
        ("pipe.md:", "fifo"),
        ("setuid.md:", "setuid"),
    ],
    "zip-duplicate-names": [("review.md:", "duplicate")],
    "zip-case-collision": [("review.md:", "same name as Review.md"), ("REVIEW.md:", "same name")],
    # The NFD spelling is shown with its combining accent escaped.
    "zip-unicode-normalization-collision": [("cafe\\u0301.md:", "same name as café.md")],
    "zip-bomb-single": [("bomb.md:", "per-file limit")],
    "zip-bomb-lying-size": [("small.md:", "crc")],
    "zip-bomb-overlap": [("f000.md:", "overlaps"), ("f098.md:", "overlaps")],
    "zip-bomb-total": [("{file}:", "add up to more than")],
    "zip-many-entries": [("{file}:", "20000 entries")],
    "tar-gzip-bomb": [("bomb.md:", "per-file limit")],
    # Its nul.md is also a Windows device name, and names are judged before any
    # content is read; content checks have their own test below.
    "zip-md-with-binary-content": [("nul.md:", "reserved")],
    "zip-empty": [("{file}:", "no skills found")],
    "zip-only-directories": [("{file}:", "no skills found")],
    "zip-truncated": [("{file}:", "not a readable zip")],
    "zip-corrupt-crc": [("second.md:", "crc")],
    "zip-not-a-zip": [("{file}:", "unsupported file type")],
    "zip-encrypted-flag": [("secret.md:", "encrypted archives are not supported")],
    "zip-unsupported-method": [("ppmd.md:", "unsupported compression")],
}

# Entries that are fine in a refused archive: the error must not blame them.
BLAMELESS = {
    "zip-slip-relative": "good.md",
    "zip-symlink-entry": "ok.md",
    "zip-symlink-write-through": "dir/evil.md",
    "zip-corrupt-crc": "first.md",
}

# Policy cases (archives.md allows them): imported paths, skipped paths.
ACCEPTED = {
    "zip-non-md-files": (
        ["ok.md"],
        ["run.sh", "page.html", "image.svg", ".htaccess", "notes.md.exe"],
    ),
    "zip-nested-zip": (["outer.md"], ["inner.zip"]),
    "zip-polyglot-html-prefix": (["ok.md"], []),
}

BOMBS = [
    "zip-bomb-single",
    "zip-bomb-lying-size",
    "zip-bomb-overlap",
    "zip-bomb-total",
    "zip-many-entries",
    "tar-gzip-bomb",
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    """Every case of make_archives.py, built small; id -> archive path."""
    if not ADVERSARIAL.is_dir():
        pytest.skip(f"shared test inputs not found at {ADVERSARIAL}")
    out = tmp_path_factory.mktemp("hostile")
    script = ADVERSARIAL / "make_archives.py"
    subprocess.run(
        [sys.executable, str(script), str(out), "--scale", "0.05"], check=True, capture_output=True
    )
    manifest = json.loads((out / "manifest.json").read_text())
    return {case["id"]: out / case["file"] for case in manifest}


@needs_shared
def test_every_hostile_case_has_an_expected_outcome(hostile):
    assert set(hostile) == set(REFUSED) | set(ACCEPTED)


@needs_shared
@pytest.mark.parametrize("case_id", sorted(REFUSED))
def test_a_hostile_archive_is_refused_with_every_offending_entry_named(hostile, case_id):
    path = hostile[case_id]
    error = refusal(path.name, path.read_bytes())
    assert str(error) == "\n".join(error.problems)
    for start, reason in REFUSED[case_id]:
        start = start.replace("{file}", path.name)
        lines = [line for line in error.problems if line.startswith(start)]
        assert lines, f"no line starts with {start!r}:\n{error}"
        assert any(reason.lower() in line.lower() for line in lines), str(error)
    if case_id in BLAMELESS:
        assert not any(line.startswith(BLAMELESS[case_id] + ":") for line in error.problems)


@needs_shared
@pytest.mark.parametrize("case_id", sorted(REFUSED))
def test_errors_about_hostile_archives_hold_no_control_characters(hostile, case_id):
    path = hostile[case_id]
    error = refusal(path.name, path.read_bytes())
    assert all(line.isprintable() for line in error.problems), error.problems


@needs_shared
@pytest.mark.parametrize("case_id", sorted(ACCEPTED))
def test_policy_cases_import_only_the_markdown_and_list_the_rest_as_skipped(hostile, case_id):
    # The reader returns every regular file (a skill's folder has scripts and assets);
    # the layout says which are items, and files outside every item are skipped.
    path = hostile[case_id]
    upload = read_upload(path.name, path.read_bytes(), LIMITS)
    imported, skipped = ACCEPTED[case_id]
    placement = layouts.place(entry.path for entry in upload.entries)
    assert [single.path for single in placement.singles] == imported
    assert placement.skills == [] and upload.skipped == []
    items = [entry for entry in upload.entries if entry.path in imported]
    assert all(entry.data.startswith(b"---\ndescription:") for entry in items)
    assert [path for path, _reason in placement.outside] == sorted(skipped)
    assert all(reason for _path, reason in placement.outside)


# An audit hook sees every file operation of the process. It cannot be removed,
# so it is installed once and records only while `_recording` is a list.
_recording: list | None = None
_hook_installed = False
_WRITING_EVENTS = {
    "os.chmod",
    "os.chown",
    "os.link",
    "os.mkdir",
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.symlink",
    "os.truncate",
    "os.utime",
    "shutil.copyfile",
    "shutil.unpack_archive",
    "tempfile.mkdtemp",
    "tempfile.mkstemp",
}
_WRITING_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _audit(event: str, args: tuple) -> None:
    if _recording is None:
        return
    if event in _WRITING_EVENTS:
        _recording.append((event, args))
    elif event == "open" and len(args) == 3:
        _path, mode, flags = args
        writes_by_mode = isinstance(mode, str) and any(c in mode for c in "wax+")
        if writes_by_mode or (isinstance(flags, int) and flags & _WRITING_FLAGS):
            _recording.append((event, args))


def file_operations_during(action) -> list:
    global _recording, _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    _recording = []
    try:
        action()
        return _recording
    finally:
        _recording = None


def tree(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in root.rglob("*")
    }


@needs_shared
def test_reading_hostile_archives_writes_nothing_anywhere(hostile):
    archives = next(iter(hostile.values())).parent
    before, tmp_before = tree(archives), set(os.listdir("/tmp"))

    def read_all() -> None:
        for path in hostile.values():
            with contextlib.suppress(ArchiveError):
                read_upload(path.name, path.read_bytes(), LIMITS)

    assert file_operations_during(read_all) == []
    assert tree(archives) == before
    # What extracting these archives would create at the top of /tmp.
    targets = {"evil.md", "evil2.md", "evil.sh", "inside.md", "outside.md", "dir", "link", "etc"}
    assert not (set(os.listdir("/tmp")) - tmp_before) & targets


def test_the_audit_hook_sees_a_file_being_written(tmp_path):
    # Guards the test above: a hook that saw nothing would always pass it.
    seen = file_operations_during(lambda: (tmp_path / "x.md").write_bytes(b"x"))
    assert [event for event, _args in seen] == ["open"]


@needs_shared
@pytest.mark.parametrize("case_id", BOMBS)
def test_reading_a_bomb_keeps_memory_bounded(hostile, case_id):
    data = hostile[case_id].read_bytes()
    tracemalloc.start()
    try:
        with pytest.raises(ArchiveError):
            read_upload(hostile[case_id].name, data, LIMITS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Four per-file caps (1 MiB), a quarter of the 4 MiB total cap; the bombs expand to 6-20 MiB.
    assert peak < 4 * LIMITS.max_file_bytes


# -- reading: containers and policy -----------------------------------------------


def test_a_markdown_upload_is_one_entry_named_by_its_base_name():
    upload = read_upload("C:\\fakepath\\review.md", SKILL, LIMITS)
    assert upload.entries == [UploadEntry("review.md", SKILL)]
    assert upload.skipped == []


def test_a_markdown_upload_that_is_not_utf8_is_refused():
    error = refusal("review.md", "---\ndescription: café\n---\n".encode("latin-1"))
    assert error.problems == ["review.md: not UTF-8 text (invalid byte at offset 20)"]


def test_a_markdown_upload_must_have_an_allowed_name():
    error = refusal("My Skill (1).md", SKILL)
    assert error.problems[0].startswith("My Skill (1).md: name not allowed")


def test_a_file_that_is_neither_an_archive_nor_markdown_is_an_unsupported_type():
    assert refusal("notes.txt", b"hello").problems == [
        "notes.txt: unsupported file type (expected .md, .zip or .tar.gz)"
    ]


def test_the_container_is_sniffed_from_the_bytes_never_from_the_name():
    assert unpacked(read_upload("bundle.md", write_zip(ITEMS), LIMITS)) == unpacked(
        read_upload("bundle.zip", write_tar_gz(ITEMS), LIMITS)
    )
    error = refusal("bundle.zip", SKILL)
    assert "unsupported file type" in str(error)


def test_an_upload_over_the_size_limit_is_refused_before_it_is_opened():
    # Opened, these bytes would be an unsupported type; the size is judged first.
    limits = Limits(max_upload_bytes=100)
    assert refusal("x.zip", bytes(101), limits).problems == [
        "x.zip: 101 bytes, over the upload limit of 100"
    ]
    assert "unsupported file type" in refusal("x.zip", bytes(100), limits).problems[0]


def test_markdown_entries_must_be_utf8_text_without_nul_and_all_bad_ones_are_named():
    data = zip_of(
        {
            "image.md": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
            "latin1.md": "---\ndescription: café\n---\n".encode("latin-1"),
            "zero.md": SKILL + b"\x00tail",
            "fine.md": SKILL,
        }
    )
    error = refusal("bundle.zip", data)
    assert [line.split(":")[0] for line in error.problems] == ["image.md", "latin1.md", "zero.md"]
    assert "NUL" in error.problems[2]


def test_item_names_outside_the_allowlist_are_refused_but_other_files_only_skipped():
    # Loose .md files are commands only in an upload with no .claude/ tree or skill
    # folder; then their names must pass the allowlist.
    loose = {"notes/v1.2.md": SKILL, "My Skill.md": SKILL, "scripts/run me.sh": b"echo\n"}
    error = refusal("bundle.zip", zip_of(loose))
    assert [line.split(":")[0] for line in error.problems] == ["notes/v1.2.md", "My Skill.md"]
    beside_a_tree = {**loose, ".claude/commands/My Skill.md": SKILL}
    error = refusal("bundle.zip", zip_of(beside_a_tree))
    assert [line.split(":")[0] for line in error.problems] == [".claude/commands/My Skill.md"]
    upload = read_upload("bundle.zip", zip_of({**loose, ".claude/commands/ok.md": SKILL}), LIMITS)
    assert len(upload.entries) == 4


def test_macos_metadata_in_a_zip_is_skipped():
    data = zip_of({"ok.md": SKILL, "__MACOSX/._ok.md": b"\x00\x05\x16\x07", "._other.md": b"\x00"})
    upload = read_upload("bundle.zip", data, LIMITS)
    assert unpacked(upload) == {"ok.md": SKILL}
    assert [path for path, _reason in upload.skipped] == ["__MACOSX/", "._other.md"]


def test_directory_entries_are_ignored():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.mkdir(".claude")
        archive.mkdir(".claude/commands")
        archive.writestr(".claude/commands/ok.md", SKILL)
    upload = read_upload("bundle.zip", buffer.getvalue(), LIMITS)
    assert unpacked(upload) == {".claude/commands/ok.md": SKILL}
    assert upload.skipped == []


def test_a_zip_whose_files_pass_the_total_limit_is_refused_as_a_whole():
    files = {f"s{i}.md": b"x" * (200 * KIB) for i in range(25)}  # 5 MiB, each under 256 KiB
    error = refusal("bundle.zip", zip_of(files))
    assert error.problems == [
        f"bundle.zip: the files add up to more than {4 * MIB} bytes uncompressed (limit)"
    ]


def test_a_tar_gz_bomb_of_skipped_files_is_capped_while_it_is_skipped():
    # A tar must be decompressed to be walked, so skipped data counts towards the cap too.
    # (Junk such as .git/ is skipped unread, whatever size it declares.)
    data = gzip.compress(tar_of([("ok.md", SKILL), (".git/video.bin", bytes(20 * MIB))]), mtime=0)
    tracemalloc.start()
    try:
        error = refusal("bundle.tar.gz", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "expands to more than" in str(error)
    assert "(at .git/video.bin)" in str(error)
    assert peak < 4 * LIMITS.max_file_bytes


def test_a_tar_with_a_damaged_header_after_the_first_is_refused_not_cut_short():
    # tarfile itself would stop quietly at the damaged header and return only a.md.
    raw = bytearray(tar_of([("a.md", SKILL), ("b.md", SKILL), ("c.md", SKILL)]))
    second_header = 512 + 512  # a.md's header, then its data padded to one block
    assert raw[second_header : second_header + 4] == b"b.md"
    raw[second_header + 148] ^= 0x01  # the header checksum
    error = refusal("bundle.tar.gz", gzip.compress(bytes(raw), mtime=0))
    assert "bad tar header" in str(error)


def test_a_tar_gz_cut_short_after_its_last_member_is_refused():
    data = write_tar_gz(ITEMS)
    error = refusal("bundle.tar.gz", data[:-4])  # the gzip length field
    assert error.problems[0].startswith("bundle.tar.gz: not a readable tar.gz archive")


def test_a_zip_whose_end_record_declares_too_many_entries_is_refused_before_listing():
    limits = Limits(max_entries=3)
    files = {f"s{i}.md": SKILL for i in range(4)}
    assert refusal("bundle.zip", zip_of(files), limits).problems == [
        "bundle.zip: 4 entries, over the limit of 3"
    ]


def test_a_zip_whose_end_record_and_directory_disagree_on_the_count_is_refused():
    data = bytearray(zip_of({"a.md": SKILL, "b.md": SKILL}))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 12] = b"\x01\x00\x01\x00"  # entries on this disk, and in total
    assert refusal("bundle.zip", bytes(data)).problems == [
        "bundle.zip: inconsistent zip (1 entries in the end record, 2 in the directory)"
    ]


def test_every_problem_of_a_listing_is_reported_at_once():
    data = zip_of({"../a.md": SKILL, "b\\c.md": SKILL, "ok.md": SKILL, "/abs.md": SKILL})
    error = refusal("bundle.zip", data)
    assert [line.split(": ")[0] for line in error.problems] == ["../a.md", "b\\c.md", "/abs.md"]


# -- hypothesis: nothing escapes but ArchiveError ------------------------------------


def read_or_refuse(filename: str, data: bytes) -> Upload | None:
    try:
        return read_upload(filename, data, LIMITS)
    except ArchiveError as error:
        assert error.problems
        return None


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b\x08\x00"]),
    data=st.binary(max_size=2048),
    filename=st.sampled_from(["x.zip", "x.tar.gz", "x.md", "x", ""]),
)
def test_arbitrary_bytes_give_an_upload_or_an_archive_error(prefix, data, filename):
    read_or_refuse(filename, prefix + data)


VALID_ZIP = write_zip(ITEMS)
VALID_TAR_GZ = write_tar_gz(ITEMS)
VALID_TAR = gzip.decompress(VALID_TAR_GZ)


def mutations(blob: bytes):
    flips = st.lists(
        st.tuples(st.integers(0, len(blob) - 1), st.integers(0, 255)), min_size=1, max_size=6
    )
    return st.tuples(flips, st.none() | st.integers(0, len(blob)))


def mutated(blob: bytes, mutation) -> bytes:
    flips, cut = mutation
    data = bytearray(blob)
    for at, value in flips:
        data[at] = value
    return bytes(data if cut is None else data[:cut])


@hypothesis_settings(max_examples=300, deadline=None)
@given(mutation=mutations(VALID_ZIP))
def test_a_damaged_zip_gives_an_upload_or_an_archive_error(mutation):
    read_or_refuse("bundle.zip", mutated(VALID_ZIP, mutation))


@hypothesis_settings(max_examples=200, deadline=None)
@given(mutation=mutations(VALID_TAR_GZ))
def test_a_damaged_tar_gz_gives_an_upload_or_an_archive_error(mutation):
    read_or_refuse("bundle.tar.gz", mutated(VALID_TAR_GZ, mutation))


@hypothesis_settings(max_examples=300, deadline=None)
@given(mutation=mutations(VALID_TAR))
def test_a_damaged_tar_inside_a_sound_gzip_gives_an_upload_or_an_archive_error(mutation):
    # Recompressed, so that the damage reaches tarfile instead of gzip's CRC check.
    upload = read_or_refuse("bundle.tar.gz", gzip.compress(mutated(VALID_TAR, mutation), mtime=0))
    if upload is not None:
        assert all(entry.path.startswith(".claude/") for entry in upload.entries)


# -- writing -------------------------------------------------------------------------


def test_a_zip_bundle_reads_back_with_the_same_paths_and_bytes():
    upload = read_upload("bundle.zip", write_zip(ITEMS), LIMITS)
    assert unpacked(upload) == {item.path: item.data for item in ITEMS}
    assert upload.skipped == []
    assert upload.lock == lock_file(ITEMS)


def test_a_tar_gz_bundle_reads_back_with_the_same_paths_and_bytes():
    upload = read_upload("bundle.tar.gz", write_tar_gz(ITEMS), LIMITS)
    assert unpacked(upload) == {item.path: item.data for item in ITEMS}
    assert upload.lock == lock_file(ITEMS)


@pytest.mark.parametrize("write", [write_zip, write_tar_gz])
def test_a_read_bundle_verifies_against_its_lock_file(write):
    upload = read_upload("bundle", write(ITEMS), LIMITS)
    assert verify_lock({**unpacked(upload), LOCK_PATH: upload.lock}) == []


@pytest.mark.parametrize("write", [write_zip, write_tar_gz, lock_file])
def test_the_same_items_in_any_order_give_the_same_bytes(write):
    first = write(ITEMS)
    assert write(list(reversed(ITEMS))) == first
    assert write(ITEMS[1:] + ITEMS[:1]) == first
    assert write(ITEMS) == first


def test_different_content_gives_different_bytes():
    changed = [*ITEMS[:-1], BundleItem("output-style", "terse", ITEMS[-1].path, 2, b"x")]
    assert write_zip(changed) != write_zip(ITEMS)
    assert write_tar_gz(changed) != write_tar_gz(ITEMS)


def test_the_lock_file_is_sorted_indented_json_with_the_documented_digest():
    lock = json.loads(lock_file(ITEMS))
    rows = sorted(ITEMS, key=lambda item: item.path)
    expected_items = [
        {
            "kind": item.kind,
            "name": item.name,
            "path": item.path,
            "version": item.version,
            "sha256": hashlib.sha256(item.data).hexdigest(),
        }
        for item in rows
    ]
    lines = "".join(
        f"{i['path']}\t{i['kind']}\t{i['name']}\t{i['version']}\t{i['sha256']}\n"
        for i in expected_items
    )
    expected = {
        "version": 1,
        "generator": "skillhub",
        "digest": "sha256:" + hashlib.sha256(lines.encode()).hexdigest(),
        "items": expected_items,
    }
    assert lock == expected
    assert lock_file(ITEMS) == (json.dumps(expected, indent=2) + "\n").encode()


def test_an_empty_bundle_holds_only_its_lock_file():
    with zipfile.ZipFile(io.BytesIO(write_zip([]))) as archive:
        assert archive.namelist() == [LOCK_PATH]
        assert json.loads(archive.read(LOCK_PATH))["items"] == []
        assert verify_lock({LOCK_PATH: archive.read(LOCK_PATH)}) == []


def test_zip_entries_are_sorted_with_the_fixed_date_mode_and_no_extra_fields():
    with zipfile.ZipFile(io.BytesIO(write_zip(ITEMS))) as archive:
        infos = archive.infolist()
        assert archive.testzip() is None
    names = [info.filename for info in infos]
    assert names == sorted([item.path for item in ITEMS] + [LOCK_PATH])
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100644
        assert info.create_system == 3
        assert info.extra == b""
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.flag_bits == 0


def test_tar_members_are_sorted_regular_files_with_mtime_0_mode_0644_and_no_owner():
    with tarfile.open(fileobj=io.BytesIO(write_tar_gz(ITEMS)), mode="r:gz") as archive:
        members = archive.getmembers()
    assert [m.name for m in members] == sorted([item.path for item in ITEMS] + [LOCK_PATH])
    for member in members:
        assert member.isreg()
        assert (member.mtime, member.mode, member.uid, member.gid) == (0, 0o644, 0, 0)
        assert (member.uname, member.gname) == ("", "")


def test_the_gzip_header_has_mtime_0_and_no_file_name():
    data = write_tar_gz(ITEMS)
    assert data[:3] == b"\x1f\x8b\x08"
    assert data[3] == 0  # no FNAME, FCOMMENT, FEXTRA or FHCRC
    assert data[4:8] == b"\x00\x00\x00\x00"
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        stream.read()
        assert stream.mtime == 0


def test_python_unpacks_both_bundles_into_claude_paths_with_a_valid_lock():
    with zipfile.ZipFile(io.BytesIO(write_zip(ITEMS))) as archive:
        from_zip = {name: archive.read(name) for name in archive.namelist()}
    with tarfile.open(fileobj=io.BytesIO(write_tar_gz(ITEMS)), mode="r:gz") as archive:
        from_tar = {m.name: archive.extractfile(m).read() for m in archive.getmembers()}
    assert from_zip == from_tar
    assert all(path.startswith(".claude/") for path in from_zip)
    assert verify_lock(from_zip) == []


def test_paths_longer_than_a_ustar_name_round_trip_through_tar():
    path = ".claude/commands/" + "a" * 110 + "/" + "b" * 100 + ".md"
    item = BundleItem("command", "a" * 110 + ":" + "b" * 100, path, 1, SKILL)
    assert unpacked(read_upload("b.tar.gz", write_tar_gz([item]), LIMITS)) == {path: SKILL}


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (".claude/commands/../evil.md", "'..'"),
        ("commands/x.md", "start with .claude/"),
        (LOCK_PATH, "reserved for the lock file"),
        (".claude/commands/My File.md", "name not allowed"),
        (".claude/commands/con.md", "reserved device name"),
    ],
)
def test_the_writer_refuses_paths_the_reader_would_refuse(path, reason):
    with pytest.raises(ValueError, match=reason):
        write_zip([BundleItem("command", "x", path, 1, SKILL)])


def test_the_writer_refuses_paths_that_collide():
    twins = [
        BundleItem("command", "Git:x", ".claude/commands/Git/x.md", 1, SKILL),
        BundleItem("command", "git:x", ".claude/commands/git/x.md", 1, SKILL),
    ]
    with pytest.raises(ValueError, match=r"same name as \.claude/commands/Git/x\.md"):
        iter_zip(twins)
    with pytest.raises(ValueError, match="duplicate"):
        iter_tar_gz([ITEMS[0], ITEMS[0]])


# -- verify_lock ----------------------------------------------------------------------


def bundle_files() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(write_zip(ITEMS))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_verify_lock_names_a_file_whose_bytes_changed():
    files = bundle_files()
    files[".claude/agents/reviewer.md"] += b"Also exfiltrate.\n"
    assert verify_lock(files) == [".claude/agents/reviewer.md: sha256 differs from the lock file"]


def test_verify_lock_names_missing_and_unlisted_files():
    files = bundle_files()
    del files[".claude/agents/reviewer.md"]
    files[".claude/commands/extra.md"] = SKILL
    assert verify_lock(files) == [
        ".claude/agents/reviewer.md: listed in the lock file but missing from the bundle",
        ".claude/commands/extra.md: not listed in the lock file",
    ]


def test_verify_lock_checks_the_digest_over_the_listed_items():
    files = bundle_files()
    lock = json.loads(files[LOCK_PATH])
    lock["items"][0]["version"] += 1
    files[LOCK_PATH] = json.dumps(lock).encode()
    assert verify_lock(files) == [f"{LOCK_PATH}: digest does not match the listed items"]


@pytest.mark.parametrize(
    ("lock", "problem"),
    [
        (None, "missing"),
        (b"\xff", "not valid JSON"),
        (b"[]", "not a version 1 lock file"),
        (b'{"version": 1, "items": [{"path": 1}]}', "item 1 lacks a path"),
    ],
)
def test_verify_lock_reports_a_missing_or_malformed_lock_file(lock, problem):
    files = {k: v for k, v in bundle_files().items() if k != LOCK_PATH}
    if lock is not None:
        files[LOCK_PATH] = lock
    problems = verify_lock(files)
    assert len(problems) == 1
    assert problems[0].startswith(LOCK_PATH + ": " + problem)


# -- streaming ------------------------------------------------------------------------


def many_items(count: int) -> list[BundleItem]:
    """Skill-sized files (about 1 KiB) whose text deflate cannot shrink much."""

    def text(i: int) -> bytes:
        noise = b"".join(hashlib.sha256(b"%d-%d" % (i, k)).digest() for k in range(24))
        return b"---\ndescription: item %d\n---\n%s\n" % (i, base64.b64encode(noise))

    return [
        BundleItem("command", f"n{i % 50}:c{i}", f".claude/commands/n{i % 50}/c{i}.md", 1, text(i))
        for i in range(count)
    ]


@pytest.mark.parametrize("stream", [iter_zip, iter_tar_gz])
def test_a_bundle_of_10000_items_streams_in_many_chunks_with_memory_far_below_its_size(stream):
    items = many_items(10_000)
    tracemalloc.start()
    try:
        chunks = size = largest = 0
        for chunk in stream(items):
            chunks, size, largest = chunks + 1, size + len(chunk), max(largest, len(chunk))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 8 * MIB
    assert chunks > 30
    assert largest < 256 * KIB
    # Measured: a peak near 0.8 MB (one compressor, chunk buffers, 72 bytes an item
    # for sorting, names and the zip directory) for 8-10 MB of output, a factor of
    # about 13; asserted with a margin.
    assert peak * 5 < size


# -- skill folders ---------------------------------------------------------------------


def folder_item(files: dict[str, tuple[bytes, bool]], name: str = "pdf") -> BundleItem:
    folder = f".claude/skills/{name}/"
    return BundleItem(
        "skill",
        name,
        folder + "SKILL.md",
        1,
        f"---\nname: {name}\n---\nUse the scripts.\n".encode(),
        tuple(BundleFile(folder + path, data, x) for path, (data, x) in files.items()),
    )


FOLDER = {
    "scripts/run.sh": (b"#!/bin/sh\necho run\n", True),
    "LICENSE.txt": (b"MIT\n", False),
    "assets/font.ttf": (b"\x00\x01\x00\x00\xff", False),
}


def test_a_folder_item_and_a_neighbour_with_a_longer_name_sort_into_one_path_order():
    items = [folder_item(FOLDER), folder_item({"x.md": (b"x", False)}, "pdf-extra")]
    with zipfile.ZipFile(io.BytesIO(write_zip(items))) as archive:
        names = archive.namelist()
    assert names == sorted(names)
    assert names.index(".claude/skills/pdf-extra/x.md") < names.index(
        ".claude/skills/pdf/LICENSE.txt"
    )


def test_a_file_outside_its_skill_or_on_a_command_is_refused():
    stray = BundleItem("skill", "pdf", ".claude/skills/pdf/SKILL.md", 1, b"x",
                       (BundleFile(".claude/skills/other/run.sh", b"x"),))  # fmt: skip
    with pytest.raises(ValueError, match="not in the folder of"):
        write_zip([stray])
    command = BundleItem("command", "c", ".claude/commands/c.md", 1, b"x",
                         (BundleFile(".claude/commands/run.sh", b"x"),))  # fmt: skip
    with pytest.raises(ValueError, match="only a skill has files"):
        write_tar_gz([command])


@pytest.mark.parametrize("path", ["../escape.sh", "a//b", "CON.txt", "SKILL.md"])
def test_a_file_with_an_unsafe_path_is_refused(path):
    with pytest.raises(ValueError):
        write_zip([folder_item({path: (b"x", False)})])


def test_files_that_differ_only_by_case_are_refused():
    with pytest.raises(ValueError, match="same name as"):
        write_zip([folder_item({"Notes.md": (b"a", False), "notes.md": (b"b", False)})])


def test_a_file_with_a_non_ascii_path_has_the_zip_utf8_flag_and_a_pax_tar_header():
    item = folder_item({"références/guide.md": (b"# Guide\n", False)})
    with zipfile.ZipFile(io.BytesIO(write_zip([item]))) as archive:
        info = archive.getinfo(".claude/skills/pdf/références/guide.md")
        assert info.flag_bits & 0x800
    with tarfile.open(fileobj=io.BytesIO(write_tar_gz([item]))) as archive:
        assert ".claude/skills/pdf/références/guide.md" in archive.getnames()


def test_a_non_ascii_file_path_is_also_in_the_ustar_name_for_readers_without_pax():
    item = folder_item({"références/guide.md": (b"# Guide\n", False)})
    tar = gzip.decompress(b"".join(iter_folder_tar_gz(item)))
    names = [
        tar[offset : offset + 100].rstrip(b"\0")
        for offset in range(0, len(tar) - 512, 512)
        if tar[offset + 257 : offset + 262] == b"ustar" and tar[offset + 156 : offset + 157] == b"0"
    ]
    assert "références/guide.md".encode() in names
    with tarfile.open(fileobj=io.BytesIO(b"".join(iter_folder_tar_gz(item)))) as archive:
        assert "références/guide.md" in archive.getnames()


def test_a_long_file_path_is_split_into_ustar_prefix_and_name_for_readers_without_pax():
    long = "references/" + "deep-folder/" * 8 + "guide.md"
    item = folder_item({long: (b"# Guide\n", False)})
    with tarfile.open(fileobj=io.BytesIO(write_tar_gz([item]))) as archive:
        member = archive.getmember(".claude/skills/pdf/" + long)
        assert not member.pax_headers
    tar = gzip.decompress(write_tar_gz([item]))
    assert b"PaxHeader" not in tar  # the name and prefix fields hold it all


def test_one_folder_archive_has_skill_md_at_its_root_and_no_lock_file():
    item = folder_item(FOLDER)
    data = b"".join(iter_folder_tar_gz(item))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        modes = {m.name: m.mode for m in archive.getmembers()}
    assert modes == {
        "LICENSE.txt": 0o644,
        "SKILL.md": 0o644,
        "assets/font.ttf": 0o644,
        "scripts/run.sh": 0o755,
    }
    with zipfile.ZipFile(io.BytesIO(b"".join(iter_folder_zip(item)))) as archive:
        assert archive.read("SKILL.md") == item.data
        assert LOCK_PATH not in archive.namelist()
    assert b"".join(iter_folder_tar_gz(folder_item(dict(reversed(FOLDER.items()))))) == data


def test_only_a_skill_is_written_as_a_folder():
    command = BundleItem("command", "c", ".claude/commands/c.md", 1, b"x")
    with pytest.raises(ValueError, match="only a skill is a folder"):
        iter_folder_zip(command)


def test_the_tree_digest_of_an_item_is_the_skilltree_digest_of_its_folder():
    item = folder_item(FOLDER)
    files = {path: TreeFile(path, data, x) for path, (data, x) in FOLDER.items()}
    assert item.tree_sha256 == tree_digest(item.data, files)
    assert BundleItem("skill", "a", ".claude/skills/a/SKILL.md", 1, b"x").tree_sha256 == ""


def test_verify_lock_names_a_file_of_a_skill_that_is_missing_or_unlisted():
    files = read_zip(write_zip([folder_item(FOLDER)]))
    script = ".claude/skills/pdf/scripts/run.sh"
    missing = {path: data for path, data in files.items() if path != script}
    assert f"{script}: listed in the lock file but missing from the bundle" in verify_lock(missing)
    extra = {**files, ".claude/skills/pdf/extra.txt": b"x"}
    assert verify_lock(extra) == [".claude/skills/pdf/extra.txt: not listed in the lock file"]


def test_verify_lock_refuses_files_listed_without_a_tree_digest():
    files = read_zip(write_zip([folder_item(FOLDER)]))
    lock = json.loads(files[LOCK_PATH])
    del lock["items"][0]["tree_sha256"]
    files[LOCK_PATH] = json.dumps(lock).encode()
    [problem] = verify_lock(files)
    assert "has files without a tree_sha256" in problem


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# -- purity ---------------------------------------------------------------------------
