"""Owners: the people answerable for an item. An item's owners are the users and groups
named on it and on each of its tags; when it has any, publishing it needs an owner's
approval (catalog/models/reviews.py), and its change requests are assigned to them."""

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q

from catalog.models.events import Event
from catalog.models.skills import Skill, Tag


class Owner(models.Model):
    """One owner (a user or a group) of one item or of every item with one tag."""

    skill = models.ForeignKey(
        Skill, null=True, blank=True, on_delete=models.CASCADE, related_name="owners"
    )
    tag = models.ForeignKey(
        Tag, null=True, blank=True, on_delete=models.CASCADE, related_name="owners"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(skill__isnull=False, tag__isnull=True)
                | Q(skill__isnull=True, tag__isnull=False),
                name="owner_of_an_item_or_a_tag",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False, group__isnull=True)
                | Q(user__isnull=True, group__isnull=False),
                name="owner_is_a_user_or_a_group",
            ),
            models.UniqueConstraint(fields=["skill", "user"], name="owner_item_user_once"),
            models.UniqueConstraint(fields=["skill", "group"], name="owner_item_group_once"),
            models.UniqueConstraint(fields=["tag", "user"], name="owner_tag_user_once"),
            models.UniqueConstraint(fields=["tag", "group"], name="owner_tag_group_once"),
        ]

    def __str__(self) -> str:
        who = self.user.get_username() if self.user else f"group {self.group}"
        return f"{who} owns {self.skill or f'tag {self.tag}'}"

    @property
    def label(self) -> str:
        """How pages name it: `alice`, or `@reviewers` for a group."""
        if self.user is not None:
            return self.user.get_username()
        return f"@{self.group.name}" if self.group is not None else "-"


def owners_of(skill: Skill) -> list[Owner]:
    """The owners named on `skill` and on its tags, users first, by name."""
    found = Owner.objects.filter(Q(skill=skill) | Q(tag__in=skill.tags.all()))
    return sorted(
        found.select_related("user", "group", "tag"),
        key=lambda o: (o.group_id is not None, o.label),
    )


def owner_user_ids(skill: Skill) -> set[int]:
    """The active users who own `skill`: named on it or its tags, or in a group that is."""
    owners = Owner.objects.filter(Q(skill=skill) | Q(tag__in=skill.tags.all()))
    direct = owners.filter(user__isnull=False).values("user")
    groups = owners.filter(group__isnull=False).values("group")
    users = User.objects.filter(is_active=True).filter(Q(pk__in=direct) | Q(groups__in=groups))
    return set(users.values_list("pk", flat=True))


def owned_tags_changed(skill: Skill, names: list[str]) -> list[str]:
    """The tags with owners that giving `skill` the tags `names` adds or takes away: a
    change of who must approve it, so not any member's to make (editor.views.tags)."""
    current = set(skill.tags.values_list("name", flat=True))
    changed = current.symmetric_difference(names)
    owned = Owner.objects.filter(tag__name__in=changed).values_list("tag__name", flat=True)
    return sorted(set(owned))


def parse_owners(text: str) -> tuple[list[User], list[Group]]:
    """Owners as a form names them: usernames and `@group` names, separated by spaces or
    commas. Every name must exist (ValidationError naming those that do not)."""
    names = list(dict.fromkeys(text.replace(",", " ").split()))
    usernames = [name for name in names if not name.startswith("@")]
    group_names = [name[1:] for name in names if name.startswith("@")]
    users = list(User.objects.filter(username__in=usernames, is_active=True))
    groups = list(Group.objects.filter(name__in=group_names))
    unknown = sorted(set(usernames) - {u.username for u in users}) + [
        f"@{name}" for name in sorted(set(group_names) - {g.name for g in groups})
    ]
    if unknown:
        raise ValidationError({"owners": f"No such user or group: {', '.join(unknown)}."})
    return users, groups


def set_owners(target: Skill | Tag, users: list[User], groups: list[Group], actor) -> None:
    """Make `users` and `groups` the owners of an item or a tag, recorded as an event."""
    on: dict[str, Skill | Tag] = {"skill": target} if isinstance(target, Skill) else {"tag": target}
    with transaction.atomic():
        Owner.objects.filter(**on).delete()
        Owner.objects.bulk_create(
            [Owner(user=user, **on) for user in users]
            + [Owner(group=group, **on) for group in groups]
        )
        if isinstance(target, Skill):
            names = [u.username for u in users] + [f"@{g.name}" for g in groups]
            Event.record(Event.Action.OWNERS, target, actor, detail=", ".join(names) or "none")
