"""Skills, their immutable versions, tags, download counts and the audit trail.

    skills      Kind, Result, Tag, Skill (every write: create, save_version, publish…),
                SaveResult, ItemRedirect (a renamed item's old names)
    events      Event (the audit trail), log_write
    versions    Version (immutable, append-only), VersionFile (a skill's other files)
    downloads   VersionDownloads
    conflicts   EditConflict (a save that would lose a change; what resolving it needs)
    editing     Presence (who has an item open in the editor), catch_up (merge now)
    reviews     ChangeRequest, Review, Comment, publish_version (the review policy)
    owners      Owner, owners_of, owner_user_ids
    notifications  Notification, notify (inbox rows, e-mail after commit)
    plugins     Plugin, PluginItem, Release (immutable), ReleaseItem, ReleaseFile,
                ReleaseError

Blobs (catalog.blobs) and analyses (catalog.analysis) are models of their own modules.
"""

from catalog.analysis import Analysis
from catalog.blobs import Blob
from catalog.models.downloads import VersionDownloads
from catalog.models.editing import CaughtUp, Presence, catch_up
from catalog.models.events import Event, log_write, write_log
from catalog.models.notifications import Notification
from catalog.models.owners import Owner, owner_user_ids, owners_of
from catalog.models.plugins import (
    NextRelease,
    Plugin,
    PluginItem,
    Release,
    ReleaseError,
    ReleaseFile,
    ReleaseItem,
)
from catalog.models.reviews import ChangeRequest, Comment, Review, publish_version, reviewed_by
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
    "ChangeRequest",
    "Comment",
    "EditConflict",
    "Event",
    "ItemRedirect",
    "Kind",
    "NextRelease",
    "Notification",
    "Owner",
    "Plugin",
    "PluginItem",
    "Presence",
    "PublishedVersion",
    "Release",
    "ReleaseError",
    "ReleaseFile",
    "ReleaseItem",
    "Result",
    "Review",
    "SaveResult",
    "Skill",
    "SkillQuerySet",
    "Tag",
    "Version",
    "VersionDownloads",
    "VersionFile",
    "catch_up",
    "log_write",
    "owner_user_ids",
    "owners_of",
    "publish_version",
    "reviewed_by",
    "tree_limits",
    "unstorable_reason",
    "write_log",
]
