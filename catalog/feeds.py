"""An Atom feed of newly published versions, for readers and chat integrations."""

import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from catalog.models import Event

FEED_LENGTH = 50


class PublishedFeed(Feed):
    feed_type = Atom1Feed
    title = "Skillhub: newly published"
    subtitle = "Commands, skills, agents and output styles as they are published."
    author_name = "Skillhub"  # Atom wants an author; the team publishes as one

    def link(self) -> str:
        return reverse("index")

    def feed_url(self) -> str:
        return reverse("feed")

    def items(self) -> list[Event]:
        """The latest publication of each version of an item that is public now."""
        events = (
            Event.objects.filter(
                action=Event.Action.PUBLISH,
                version__isnull=False,
                skill__archived=False,
                skill__published__isnull=False,
            )
            .select_related("skill", "version")
            .defer("version__text")
            .prefetch_related("skill__tags")
        )
        seen: set[int | None] = set()
        latest: list[Event] = []
        for event in events[: FEED_LENGTH * 2]:
            if event.version_id not in seen:
                seen.add(event.version_id)
                latest.append(event)
        return latest[:FEED_LENGTH]

    def item_title(self, event: Event) -> str:
        skill, version = event.item_version
        return f"{skill.display_name} v{version.number}"

    def item_description(self, event: Event) -> str:
        # Atom's <summary type="html"> holds HTML: a reader decodes the XML, then renders
        # the HTML. The description is plain text, so it is escaped as HTML once here (the
        # feed writer escapes it as XML): a reader shows `<b>` as those three characters.
        return escape(event.item_version[1].description)

    def item_link(self, event: Event) -> str:
        # One entry per version, so the version is part of its address and Atom id.
        skill, version = event.item_version
        return f"{skill.get_absolute_url()}#v{version.number}"

    def item_pubdate(self, event: Event) -> datetime.datetime:
        return event.created_at

    def item_updateddate(self, event: Event) -> datetime.datetime:
        return event.created_at

    def item_categories(self, event: Event) -> list[str]:
        return [tag.name for tag in event.item_version[0].tags.all()]
