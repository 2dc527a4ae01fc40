"""Trainee satisfaction (学员满意度评价, issue 15 point 5): a seated trainee rates a class that has
started — the course and each of its lecturers, 1 to 5 stars, and an optional comment.

One evaluation per enrolment; a second submission replaces the first (``evaluations``). The
lecturer stars feed ``Lecturer.rating`` / ``rating_count``, recomputed in the same transaction
over all ratings of that lecturer. Owned by the class's unit, like the enrolment.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from jiangqiao.core.models import OrgOwnedModel
from jiangqiao.core.textfields import NormalizedTextField

STARS = [MinValueValidator(1), MaxValueValidator(5)]
COMMENT_MAX = 500


class ClassEvaluation(OrgOwnedModel):
    """One trainee's rating of one class (its course), with an optional comment."""

    training_class = models.ForeignKey(
        "academy.TrainingClass",
        models.CASCADE,
        related_name="evaluations",
        verbose_name="班次",
    )
    enrolment = models.OneToOneField(
        "academy.Enrolment", models.CASCADE, related_name="evaluation", verbose_name="报名"
    )
    course_stars = models.PositiveSmallIntegerField("课程评分", validators=STARS)
    comment = NormalizedTextField("意见建议", max_length=COMMENT_MAX, blank=True)

    #: Written by the trainee on the public page (no account): 仅本人 sees none.
    scope_owner_field: ClassVar[str | None] = None

    class Meta:
        verbose_name = "学员评价"
        verbose_name_plural = "学员评价"
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(course_stars__gte=1, course_stars__lte=5),
                name="academy_evaluation_stars",
                violation_error_message="课程评分：应为 1 至 5 星",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.training_class_id}: {self.course_stars}星"

    def get_absolute_url(self) -> str:
        return reverse("academy:class_detail", args=[self.training_class_id])


class LecturerRating(models.Model):
    """The stars one evaluation gives one lecturer of the class."""

    evaluation = models.ForeignKey(
        ClassEvaluation, models.CASCADE, related_name="lecturer_ratings", verbose_name="评价"
    )
    lecturer = models.ForeignKey(
        "academy.Lecturer", models.PROTECT, related_name="ratings", verbose_name="师资"
    )
    stars = models.PositiveSmallIntegerField("师资评分", validators=STARS)

    class Meta:
        verbose_name = "师资评分"
        verbose_name_plural = "师资评分"
        ordering = ["evaluation_id", "lecturer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "lecturer"], name="academy_lecturer_rating_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5),
                name="academy_lecturer_rating_stars",
                violation_error_message="师资评分：应为 1 至 5 星",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lecturer_id}: {self.stars}星"
