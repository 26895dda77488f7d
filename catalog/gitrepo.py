"""Git repositories built from releases, deterministically, in memory (dulwich).

Pure: no Django. Given the same snapshots, every process builds the same objects and so
the same commit ids: blobs are the files' bytes, trees are sorted (dulwich writes them
in git's order), and a commit's author, committer, time zone and message come from the
snapshot only (a fixed identity and the release's timestamp). A repository is
`refs/heads/main` (HEAD) at the last snapshot, each snapshot a commit whose parent is
the one before, and a lightweight tag per snapshot.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias

from dulwich.objects import Blob, Commit, ObjectID, Tree
from dulwich.refs import Ref
from dulwich.repo import MemoryRepo

# Bumped whenever the objects built from the same snapshots change (caches key by it).
FORMAT = 1
IDENTITY = b"Skillhub <skillhub@localhost>"
FILE_MODE = 0o100644
EXECUTABLE_MODE = 0o100755
TREE_MODE = 0o040000


class File(Protocol):
    """A file of a tree: plugin_tree.PluginFile, or anything with these three."""

    @property
    def path(self) -> str: ...
    @property
    def data(self) -> bytes: ...
    @property
    def executable(self) -> bool: ...


# A folder being laid out: its files, its folders, and the ids of trees written before.
_Node: TypeAlias = "dict[str, _Node | File | bytes]"


@dataclass(frozen=True)
class Snapshot:
    """One commit: a tree (from add_tree), its message, its time and its tag."""

    tree: bytes
    message: str
    timestamp: int  # seconds since the epoch, UTC
    tag: str  # "v1.2.0"


class Builder:
    """Writes objects into one in-memory repository; the same content is stored once."""

    def __init__(self) -> None:
        self.repo = MemoryRepo()
        self._store = self.repo.object_store

    def add_tree(self, files: Iterable[File], subtrees: Mapping[str, bytes] | None = None) -> bytes:
        """The id of the tree holding `files` (each with path, data and executable) and,
        at the given paths, trees added before (a marketplace's plugins)."""
        root: _Node = {}
        for file in files:
            *folders, name = file.path.split("/")
            node = _folder(root, folders)
            node[name] = file
        for path, tree_id in (subtrees or {}).items():
            *folders, name = path.split("/")
            node = _folder(root, folders)
            node[name] = tree_id
        return self._write(root)

    def _write(self, node: _Node) -> ObjectID:
        tree = Tree()
        for name, child in node.items():
            if isinstance(child, dict):
                tree.add(name.encode("utf-8"), TREE_MODE, self._write(child))
            elif isinstance(child, bytes):  # a subtree written before (add_tree's id)
                tree.add(name.encode("utf-8"), TREE_MODE, ObjectID(child))
            else:
                blob = Blob.from_string(child.data)
                self._store.add_object(blob)
                mode = EXECUTABLE_MODE if child.executable else FILE_MODE
                tree.add(name.encode("utf-8"), mode, blob.id)
        self._store.add_object(tree)
        return tree.id

    def commit_all(self, snapshots: Sequence[Snapshot]) -> MemoryRepo:
        """Commit each snapshot on top of the one before; main and HEAD at the last."""
        parent: ObjectID | None = None
        for snapshot in snapshots:
            commit = Commit()
            commit.tree = ObjectID(snapshot.tree)
            commit.parents = [parent] if parent else []
            commit.author = commit.committer = IDENTITY
            commit.author_time = commit.commit_time = snapshot.timestamp
            commit.author_timezone = commit.commit_timezone = 0
            commit.encoding = b"UTF-8"
            commit.message = snapshot.message.encode("utf-8")
            self._store.add_object(commit)
            self.repo.refs[Ref(b"refs/tags/" + snapshot.tag.encode("ascii"))] = commit.id
            parent = commit.id
        if parent is not None:
            self.repo.refs[Ref(b"refs/heads/main")] = parent
            self.repo.refs.set_symbolic_ref(Ref(b"HEAD"), Ref(b"refs/heads/main"))
        return self.repo


def _folder(root: _Node, folders: list[str]) -> _Node:
    """The node of the folder at `folders` under `root`, made if it is not there yet."""
    node = root
    for depth, folder in enumerate(folders, 1):
        child = node.setdefault(folder, {})
        if not isinstance(child, dict):  # never for a release: its paths were checked
            raise ValueError(f"{'/'.join(folders[:depth])}: both a file and a folder")
        node = child
    return node


def commit_message(title: str, notes: str) -> str:
    """A commit message: the title, then the notes as a body (git's own layout)."""
    notes = notes.replace("\r\n", "\n").strip()
    return f"{title}\n\n{notes}\n" if notes else f"{title}\n"
