"""What Skillhub derives from a version: problems, result, rendered HTML, file facts.

A version's row is immutable (its text and files are history); what is derived from it
is not history but the current analyser's reading of it, so it lives here, one row per
version, and is rebuilt when the analyser changes: `manage.py reanalyse --stale`
rebuilds every row whose `analyser` is older than ANALYSER, `--all` every row.
Derived once on write and read on every page (render once, on write).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from catalog import rendering, skillfile, skilltree

# Bump whenever parsing, lint or rendering changes what a version derives, so that
# `reanalyse --stale` knows which rows to rebuild. 0 marks rows carried over from the
# version rows by migration 0006, before this table existed.
# 2: top-level blocks carry their source line (data-source-line); 3: code blocks take the
# keyboard's focus, task checkboxes are labelled.
ANALYSER = 3


def current_analyser() -> int:
    """The default of Analysis.analyser: a function, so that bumping ANALYSER needs no
    migration (an altered default makes SQLite rebuild the table and drop its triggers)."""
    return ANALYSER


class Analysis(models.Model):
    version = models.OneToOneField(
        "catalog.Version", primary_key=True, on_delete=models.CASCADE, related_name="analysis"
    )
    analyser = models.PositiveIntegerField(default=current_analyser)
    analysed_at = models.DateTimeField(default=timezone.now)
    metadata = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    result = models.CharField(max_length=10)
    html = models.TextField(blank=True)
    # The whole folder of a skill: SKILL.md and its files.
    file_count = models.PositiveIntegerField(default=1)
    total_size = models.PositiveBigIntegerField(default=0)
    tree_sha256 = models.CharField(max_length=71, blank=True)
    # The text files of a skill besides SKILL.md, for search (migration 0006's index).
    files_text = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "analyses"
        indexes = [models.Index(fields=["analyser"])]

    def __str__(self) -> str:
        return f"{self.version_id} by analyser {self.analyser}"

    @classmethod
    def of(cls, version, parsed: skillfile.SkillFile, files: skilltree.Tree) -> "Analysis":
        """The analysis of `version` (saved or not) whose text parsed as `parsed`."""
        skill = version.skill
        problems = list(parsed.problems)
        if files:
            problems += skilltree.tree_lint(parsed.body, parsed.body_line, files)
        # Relative links in the body open the skill's own files (/skills/<name>/files/…).
        files_url = skill.get_absolute_url() + "files/" if files else ""
        data = version.text.encode("utf-8")
        return cls(
            version=version,
            analyser=ANALYSER,
            analysed_at=timezone.now(),
            metadata=parsed.metadata,
            problems=[p.as_dict() for p in problems],
            result=_result(problems),
            html=rendering.render_markdown(
                parsed.body, settings.SKILLHUB_IMAGE_HOSTS, files_url, first_line=parsed.body_line
            ),
            file_count=1 + len(files),
            total_size=len(data) + sum(f.size for f in files.values()),
            tree_sha256=skilltree.tree_digest(data, files) if skill.kind == "skill" else "",
            files_text=skilltree.searchable_text(files),
        )

    @classmethod
    def rebuild(cls, version) -> "Analysis":
        """A fresh analysis of a stored version, by today's analyser (unsaved)."""
        parsed = skillfile.parse(version.text, kind=version.skill.kind, name=version.skill.name)
        return cls.of(version, parsed, version.tree())


def _result(problems: list[skillfile.Problem]) -> str:
    severities = {problem.severity for problem in problems}
    if "error" in severities:
        return "error"
    return "warning" if "warning" in severities else "ok"
