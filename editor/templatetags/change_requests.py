"""The open change request of an item, for the edit page's publishing panel."""

from django import template
from django.conf import settings

from catalog.models import ChangeRequest, Review, Skill

register = template.Library()


@register.simple_tag
def open_request(skill: Skill) -> dict | None:
    """The item's open request, its state, and its approvals of how many are needed."""
    change = skill.change_requests.filter(status=ChangeRequest.Status.OPEN).first()
    if change is None:
        return None
    reviews = change.current_reviews()
    return {
        "change": change,
        "state": change.state(),
        "approvals": sum(r.verdict == Review.Verdict.APPROVE for r in reviews),
        "required": settings.SKILLHUB_REQUIRED_APPROVALS,
    }
