"""catalog.plugin_changes: what changed between two releases, and the semver part it bumps."""

import pytest

from catalog.plugin_changes import PinnedItem, compare, widenings


def item(kind="command", name="review", version=1, digest="a", **metadata) -> PinnedItem:
    return PinnedItem(kind, name, version, digest, metadata)


def changed(old: PinnedItem, **metadata) -> PinnedItem:
    return PinnedItem(old.kind, old.name, old.version + 1, old.digest + "'", metadata)


def test_the_same_items_are_no_change_and_bump_nothing():
    before = [item(), item("skill", "pdf", digest="t")]

    changes = compare(before, [item(version=1), item("skill", "pdf", digest="t")])

    assert not changes
    assert changes.bump is None
    assert changes.unchanged == tuple(before)
    assert changes.added == changes.removed == changes.changed == ()


def test_a_new_version_with_the_same_content_is_unchanged():
    changes = compare([item(version=1)], [item(version=4)])

    assert changes.bump is None
    assert [i.version for i in changes.unchanged] == [4]


def test_an_added_item_is_a_minor():
    changes = compare([item()], [item(), item("agent", "helper")])

    assert [(i.kind, i.name) for i in changes.added] == [("agent", "helper")]
    assert changes.bump == "minor"


def test_a_removed_item_is_a_major():
    changes = compare([item(), item("agent", "helper")], [item(), item("skill", "new")])

    assert [i.name for i in changes.removed] == ["helper"]
    assert [i.name for i in changes.added] == ["new"]
    assert changes.bump == "major"


def test_a_changed_item_without_new_permissions_is_a_patch():
    old = item(description="Review")
    new = changed(old, description="Review carefully")

    changes = compare([old], [new])

    [change] = changes.changed
    assert (change.old, change.new) == (old, new)
    assert change.permissions == () and change.widened == ()
    assert changes.bump == "patch"


def test_items_are_matched_by_kind_and_name_whatever_the_case():
    changes = compare([item(name="Review")], [item(name="review", digest="b")])

    assert len(changes.changed) == 1 and not changes.added and not changes.removed
    assert compare([item("command")], [item("skill")]).bump == "major"  # another item


def test_every_list_is_in_kind_and_name_order():
    names = ["zeta", "alpha", "mid"]
    changes = compare([], [item("skill", n) for n in names] + [item("agent", "b")])

    assert [(i.kind, i.name) for i in changes.added] == [
        ("agent", "b"),
        ("skill", "alpha"),
        ("skill", "mid"),
        ("skill", "zeta"),
    ]


# -- permissions -----------------------------------------------------------------------


def test_a_granted_tool_rule_widens_and_is_a_major_with_the_field_called_out():
    old = item(**{"allowed-tools": "Bash(git diff:*)"})
    new = changed(old, **{"allowed-tools": "Bash(git diff:*), Bash(rm:*)"})

    changes = compare([old], [new])

    [change] = changes.changed
    assert change.widened == ("allowed-tools adds Bash(rm:*)",)
    assert [field.key for field in change.permissions] == ["allowed-tools"]
    assert changes.widened == (change,)
    assert changes.bump == "major"


def test_a_tool_rule_taken_away_narrows_and_is_a_patch_still_called_out():
    old = item(**{"allowed-tools": ["Bash(git diff:*)", "Read"]})
    new = changed(old, **{"allowed-tools": ["Read"]})

    [change] = compare([old], [new]).changed

    assert change.widened == ()
    assert [(f.key, f.change) for f in change.permissions] == [("allowed-tools", "changed")]
    assert compare([old], [new]).bump == "patch"


def test_allowed_tools_removed_narrows_and_added_widens():
    granted = item(**{"allowed-tools": "Bash"})
    plain = changed(granted)

    assert widenings(granted, plain) == ()
    assert widenings(plain, granted) == ("allowed-tools adds Bash",)


def test_an_agent_without_tools_may_use_every_tool():
    limited = item("agent", "helper", tools="Read, Grep")
    every_tool = changed(limited)

    assert widenings(limited, every_tool) == ("tools removed: it may use every tool",)
    assert widenings(every_tool, limited) == ()  # it could use every tool before
    assert widenings(limited, changed(limited, tools="Read, Grep, Bash")) == ("tools adds Bash",)


def test_a_denial_dropped_widens():
    old = item("agent", "helper", disallowedTools=["Bash", "WebFetch"])

    assert widenings(old, changed(old, disallowedTools=["Bash"])) == (
        "disallowedTools no longer denies WebFetch",
    )
    assert widenings(old, changed(old)) == ("disallowedTools no longer denies Bash, WebFetch",)
    assert widenings(old, changed(old, disallowedTools=["Bash", "WebFetch", "Edit"])) == ()


def test_a_denial_of_some_uses_of_a_tool_widened_to_the_whole_tool_does_not_widen():
    old = item("agent", "helper", disallowedTools=["Bash(rm:*)"])

    assert widenings(old, changed(old, disallowedTools=["Bash"])) == ()
    assert widenings(changed(old, disallowedTools=["Bash"]), old) == (
        "disallowedTools no longer denies Bash",
    )


def test_a_skills_disallowed_tools_dropped_widens_too():
    old = item("skill", "pdf", **{"disallowed-tools": "Bash"})

    assert widenings(old, changed(old)) == ("disallowed-tools no longer denies Bash",)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Bash", "Bash(git diff:*)"),
        ("Bash, Read", "Bash(git diff:*) Read"),
        (["Read", "Bash"], ["Bash(git status:*)", "Bash(git diff:*)"]),
    ],
)
def test_a_tool_narrowed_to_some_of_its_uses_does_not_widen(before, after):
    old = item(**{"allowed-tools": before})

    assert widenings(old, changed(old, **{"allowed-tools": after})) == ()
    assert compare([old], [changed(old, **{"allowed-tools": after})]).bump == "patch"


def test_a_rule_on_another_tool_than_the_one_allowed_whole_still_widens():
    old = item(**{"allowed-tools": "Read"})

    assert widenings(old, changed(old, **{"allowed-tools": "Read, Bash(ls)"})) == (
        "allowed-tools adds Bash(ls)",
    )


def test_other_permission_fields_are_called_out_without_counting_as_widening():
    old = item("agent", "helper", tools="Read", model="haiku")
    new = changed(old, tools="Read", model="opus", description="now described")

    [change] = compare([old], [new]).changed

    assert [(f.key, f.change) for f in change.permissions] == [("model", "changed")]
    assert change.widened == ()


def test_a_removal_is_major_even_beside_only_patches():
    a, b = item(name="a"), item(name="b")

    assert compare([a, b], [changed(a)]).bump == "major"


def test_an_agent_switched_to_a_permissive_permission_mode_widens():
    old = item("agent", "fixer", permissionMode="default")
    assert widenings(old, changed(old, permissionMode="bypassPermissions")) == (
        "permissionMode bypassPermissions",
    )
    assert widenings(old, changed(old, permissionMode="plan")) == ()


def test_hooks_or_mcp_servers_added_or_changed_widen_and_removed_do_not():
    old = item("agent", "fixer", hooks={"PreToolUse": [{"command": "a"}]})
    added = changed(old, hooks={"PreToolUse": [{"command": "a"}], "Stop": [{"command": "b"}]})
    assert widenings(old, added) == ("hooks adds or changes Stop",)
    assert widenings(old, changed(old, hooks={"PreToolUse": [{"command": "c"}]})) == (
        "hooks adds or changes PreToolUse",
    )
    assert widenings(old, changed(old, hooks={})) == ()
    servers = changed(old, mcpServers={"db": {"command": "psql"}})
    assert widenings(old, servers) == ("mcpServers adds or changes db",)
    assert compare([old], [servers]).bump == "major"
