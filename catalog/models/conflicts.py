"""EditConflict: a save that would lose changes its author has not seen, with what the
editor needs to resolve it by clicks."""

from typing import TYPE_CHECKING, cast

from catalog import merging, skilltree

if TYPE_CHECKING:
    from catalog.models.versions import Version


class EditConflict(Exception):
    """A save that would lose changes its author has not seen, so stores nothing.

    Either a stale save whose changes overlap the ones that landed since its base
    (`conflicts` are merge regions, `base` that base), or (`undoes`) a save on top of
    the latest that puts back what someone else's latest version changed (`conflicts`
    are the regions it puts back, `base` the version before the latest).
    """

    def __init__(
        self,
        base: "Version",
        theirs: "Version",
        mine: str,
        conflicts,
        undoes=False,
        files: list[tuple[str, str]] | None = None,
        mine_files: "skilltree.Tree | None" = None,
    ):
        what = "undoes" if undoes else "overlaps"
        super().__init__(f"Your edit {what} changes made in v{theirs.number}.")
        self.base = base
        self.theirs = theirs
        self.mine = mine
        self.conflicts = conflicts
        self.undoes = undoes
        # (path, why) of the skill's other files that both sides changed differently,
        # and the author's whole tree (so that nothing they sent is lost).
        self.files = files or []
        self.mine_files = mine_files

    def sides_to_resolve(self) -> tuple[str, str]:
        """(theirs, mine) for resolving by chunk in the editor: each side's other changes
        merged in, so that the two differ only where this conflict is, each as its side
        has it. A save on top of theirs that undoes their changes is compared whole."""
        if self.undoes:
            return self.theirs.text, self.mine
        try:
            theirs = merging.merge(self.base.text, self.mine, self.theirs.text, mine_wins=True)
            mine = merging.merge(self.base.text, self.theirs.text, self.mine, mine_wins=True)
        except merging.TooLargeToMerge:
            return self.theirs.text, self.mine
        return cast(str, theirs.text), cast(str, mine.text)  # mine_wins: never a conflict
