"""Skills, their immutable versions, tags, download counts and the audit trail.

    skills      Kind, Result, Tag, Skill (every write: create, save_version, publish…),
                EditConflict, SaveResult, ItemRedirect (a renamed item's old names)
    events      Event (the audit trail), log_write
    versions    Version (immutable, append-only), VersionFile (a skill's other files)
    downloads   VersionDownloads
    editing     Presence (who has an item open in the editor), catch_up (merge now)
    plugins     Plugin, PluginItem, Release (immutable), ReleaseItem, ReleaseFile,
                ReleaseError

Blobs (catalog.blobs) and analyses (catalog.analysis) are models of their own modules.
"""

from catalog.analysis import Analysis
from catalog.blobs import Blob
from catalog.models.downloads import VersionDownloads
from catalog.models.editing import CaughtUp, Presence, catch_up
from catalog.models.events import Event, log_write, write_log
from catalog.models.plugins import (
    NextRelease,
    Plugin,
    PluginItem,
    Release,
    ReleaseError,
    ReleaseFile,
    ReleaseItem,
)
from catalog.models.skills import (
    PUBLISH_PERMISSION,
    EditConflict,
    ItemRedirect,
    Kind,
    PublishedVersion,
    Result,
    SaveResult,
    Skill,
    SkillQuerySet,
    Tag,
    unstorable_reason,
)
from catalog.models.versions import Version, VersionFile, tree_limits

__all__ = [
    "PUBLISH_PERMISSION",
    "Analysis",
    "Blob",
    "CaughtUp",
    "EditConflict",
    "Event",
    "ItemRedirect",
    "Kind",
    "NextRelease",
    "Plugin",
    "PluginItem",
    "Presence",
    "PublishedVersion",
    "Release",
    "ReleaseError",
    "ReleaseFile",
    "ReleaseItem",
    "Result",
    "SaveResult",
    "Skill",
    "SkillQuerySet",
    "Tag",
    "Version",
    "VersionDownloads",
    "VersionFile",
    "catch_up",
    "log_write",
    "tree_limits",
    "unstorable_reason",
    "write_log",
]
