"""catalog.semver: the versions of plugin releases, their order and the next one to propose."""

import pytest

from catalog.semver import FIRST, MAX_LENGTH, InvalidVersion, SemVer


def v(text: str) -> SemVer:
    return SemVer.parse(text)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("1.0.0", (1, 0, 0, ())),
        ("0.0.0", (0, 0, 0, ())),
        ("10.20.30", (10, 20, 30, ())),
        ("2.0.0-rc.1", (2, 0, 0, ("rc", "1"))),
        ("1.0.0-alpha-beta.0.x7", (1, 0, 0, ("alpha-beta", "0", "x7"))),
        ("1.0.0-0a", (1, 0, 0, ("0a",))),
        ("v1.4.2", (1, 4, 2, ())),
        ("  1.4.2\n", (1, 4, 2, ())),
        ("99999999999999999999.0.0", (99999999999999999999, 0, 0, ())),
    ],
)
def test_a_version_parses_into_its_numbers_and_pre_release(text, parts):
    parsed = v(text)
    assert (parsed.major, parsed.minor, parsed.patch, parsed.pre) == parts


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "1.0",
        "1.0.0.0",
        "01.0.0",
        "1.02.0",
        "1.0.00",
        "1.0.0-01",  # a numeric pre-release identifier has no leading zero
        "1.0.0-",
        "1.0.0-rc..1",
        "1.0.0-rc_1",
        "1.0.0+build.5",  # build metadata would make two releases sort as one
        "-1.0.0",
        "1.0.0 beta",
        "V1.0.0",
        "vv1.0.0",
        "1.0.0\x00",
        "1\u0663.0.0",  # digits, but not ASCII ones: int() would read 13
        "\u0661.0.0",
        "1.0.0-1\u0663",
        "1.0.0-rc.\u0661",
        "latest",
    ],
)
def test_a_text_that_is_not_a_semantic_version_is_refused_with_the_rule(text):
    with pytest.raises(InvalidVersion, match=r"is not a version: write MAJOR\.MINOR\.PATCH"):
        v(text)


def test_a_version_longer_than_the_column_is_refused_and_the_message_is_cut():
    long = "1.0.0-" + "a" * 1000

    with pytest.raises(InvalidVersion) as refusal:
        v(long)

    assert len(str(refusal.value)) < 200
    assert len(str(v("1.0.0-" + "a" * (MAX_LENGTH - 6)))) == MAX_LENGTH


@pytest.mark.parametrize("text", ["1.0.0-x.lock", "2.0.0-rc.LOCK"])
def test_a_version_whose_git_tag_git_would_refuse_is_refused(text):
    with pytest.raises(InvalidVersion, match=r"git tag would end in \.lock"):
        v(text)


def test_lock_as_a_whole_pre_release_is_a_version():
    assert str(v("1.0.0-lock")) == "1.0.0-lock"


@pytest.mark.parametrize("text", ["1.0.0", "2.0.0-rc.1", "1.0.0-alpha-beta.0.x7"])
def test_a_version_prints_as_it_was_written_without_the_v(text):
    assert str(v(text)) == text
    assert str(v("v" + text)) == text


def test_versions_sort_as_semver_says():
    # The example list of semver.org §11, shuffled, plus the numeric ordering cases.
    ordered = [
        "0.9.0",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.2.0",
        "1.10.0",
        "2.0.0",
        "10.0.0",
    ]
    shuffled = ordered[7:] + ordered[:7][::-1]

    assert [str(x) for x in sorted(map(v, shuffled))] == ordered


def test_equal_versions_compare_equal_and_hash_alike():
    assert v("v1.2.3") == v("1.2.3")
    assert len({v("1.2.3"), v("v1.2.3"), v(" 1.2.3 ")}) == 1
    assert v("1.2.3") <= v("1.2.3") and v("1.2.3") >= v("1.2.3")
    assert v("1.2.3-rc.1") != v("1.2.3")


def test_the_first_version_proposed_is_one_point_oh():
    assert v("1.0.0") == FIRST


@pytest.mark.parametrize(
    ("before", "part", "after"),
    [
        ("1.2.3", "major", "2.0.0"),
        ("1.2.3", "minor", "1.3.0"),
        ("1.2.3", "patch", "1.2.4"),
        # Before 1.0.0 a breaking change bumps the minor, as Cargo and npm read ^0.x.
        ("0.3.1", "major", "0.4.0"),
        ("0.3.1", "minor", "0.4.0"),
        ("0.3.1", "patch", "0.3.2"),
        # A pre-release ends in its release when the change fits in it…
        ("1.0.0-rc.2", "major", "1.0.0"),
        ("1.0.0-rc.2", "patch", "1.0.0"),
        ("1.2.0-beta", "minor", "1.2.0"),
        ("1.2.0-beta", "patch", "1.2.0"),
        ("1.2.3-rc.1", "patch", "1.2.3"),
        ("0.2.0-rc.1", "major", "0.2.0"),  # breaking before 1.0.0 is a minor
        ("0.2.0-rc.1", "minor", "0.2.0"),
        # …and goes past it when the change is bigger than the release it leads to.
        ("1.2.0-beta", "major", "2.0.0"),
        ("1.2.3-rc.1", "minor", "1.3.0"),
        ("1.2.3-rc.1", "major", "2.0.0"),
        ("0.2.3-rc.1", "major", "0.3.0"),
    ],
)
def test_the_next_version_after_a_change_of_each_part(before, part, after):
    assert str(v(before).bumped(part)) == after
    assert v(before).bumped(part) > v(before)


def test_bumping_an_unknown_part_is_a_programming_error():
    with pytest.raises(ValueError, match="breaking"):
        v("1.0.0").bumped("breaking")
