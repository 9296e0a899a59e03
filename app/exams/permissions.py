"""Who may do what with exams and attempts: plain functions, testable without HTTP (docs/security.md §9, §10).

Trainers build exams and become their owners; owners (and administrators) edit, publish, grade,
regrade, grant extra time and read results. HR reads every exam's settings and results but changes
nothing. A candidate sees only their own attempts; another person's attempt id is a 404, as if it did
not exist.

What a blueprint may draw from follows the keys (app.banks.permissions.can_see_keys): see
`blueprint_access` and docs/security-keys.md.
"""

from collections import Counter
from dataclasses import dataclass

from app.banks.permissions import can_see_keys
from app.core.roles import Role

# Who may open the staff pages at all (each route's @allow); which exam they may touch is decided per object below.
EXAM_STAFF = (Role.ADMIN, Role.TRAINER, Role.HR)  # read exams and results
EXAM_MAKERS = (Role.ADMIN, Role.TRAINER)  # create exams; manage and grade those they own


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "active", False))


def _admin(user) -> bool:
    return _signed_in(user) and user.has_role(Role.ADMIN)


def owns_exam(user, exam) -> bool:
    user_id = getattr(user, "id", None)
    return user_id is not None and any(owner.id == user_id for owner in exam.owners)


def can_create_exam(user) -> bool:
    return _signed_in(user) and user.has_role(*EXAM_MAKERS)


def can_manage_exam(user, exam) -> bool:
    """Edit settings, blueprint and candidates, publish, close, archive, make a make-up exam."""
    return _admin(user) or (_signed_in(user) and user.has_role(Role.TRAINER) and owns_exam(user, exam))


def can_grade_exam(user, exam) -> bool:
    """Grade short answers, regrade, grant extra time: the exam's owners and administrators."""
    return can_manage_exam(user, exam)


def can_view_exam(user, exam) -> bool:
    """Read the settings, blueprint, candidates and results: managers and HR (read-only)."""
    return can_manage_exam(user, exam) or (_signed_in(user) and user.has_role(Role.HR))


def owns_attempt(user, attempt) -> bool:
    """A candidate's own attempt (the only attempts a candidate's pages load)."""
    return _signed_in(user) and attempt.user_id == user.id


def can_view_attempt(user, attempt) -> bool:
    """A trainer's or HR's view of someone's attempt (with the key): whoever may view the exam."""
    return can_view_exam(user, attempt.exam)


# --- What a blueprint may draw from ---------------------------------------------------------------

def draw_of(rule) -> tuple:
    """What a rule draws (bank, type, topics, difficulty range, count), leaving out the points it gives."""
    return (rule.bank_id, rule.type or None, tuple(sorted(rule.topic_ids or ())), rule.difficulty_min,
            rule.difficulty_max, rule.count)


@dataclass(frozen=True)
class BlueprintAccess:
    """The banks and questions one user may put in one exam's blueprint.

    A user draws only from banks whose keys they may see (`can_see_keys`: the bank's owners and
    administrators), because a question on a paper shows its key on the exam's sample paper and grading
    pages; "every bank of the course" only when that holds for every bank of the course. A co-owner of the
    exam may keep what another owner who may see the keys put there (a rule, a fixed question), but only
    exactly as it is saved: changing what such a rule draws, or adding one like it, is refused.
    """

    offered: tuple  # the banks the form lists: the user's own, then those saved rules draw from
    usable: frozenset[int]  # ids of the banks whose keys the user may see
    whole_course: bool  # the user may see every bank of the course
    saved_draws: tuple[tuple, ...]
    saved_fixed: frozenset[int]

    def may_draw(self, bank_id: int | None) -> bool:
        """A new or changed rule on this bank (None: every bank of the course)."""
        return self.whole_course if bank_id is None else bank_id in self.usable

    def offers(self, bank_id: int | None) -> bool:
        """Listed on the form (and answered by the pool feedback): usable, or drawn from by a saved rule."""
        return self.may_draw(bank_id) or any(draw[0] == bank_id for draw in self.saved_draws)

    def refused_rules(self, rules) -> list[int]:
        """Indexes in `rules` of those the user may not save: on a bank they may not draw from, unless the
        same draw is already saved (each saved rule keeps one rule, so it cannot be doubled)."""
        kept = Counter(self.saved_draws)
        refused = []
        for index, rule in enumerate(rules):
            if self.may_draw(rule.bank_id):
                continue
            draw = draw_of(rule)
            if kept[draw] > 0:
                kept[draw] -= 1
            else:
                refused.append(index)
        return refused

    def may_fix(self, question) -> bool:
        """A fixed question: from a bank whose keys the user may see, or already fixed in this exam."""
        return question.bank_id in self.usable or question.id in self.saved_fixed


def blueprint_access(user, exam, course_banks) -> BlueprintAccess:
    """What `user` may put in `exam`'s blueprint, given the banks of the exam's course."""
    course_banks = list(course_banks)
    usable = frozenset(bank.id for bank in course_banks if can_see_keys(user, bank))
    drawn = {rule.bank_id for rule in exam.rules}
    return BlueprintAccess(
        offered=tuple(bank for bank in course_banks if bank.id in usable or bank.id in drawn), usable=usable,
        whole_course=bool(course_banks) and len(usable) == len(course_banks),
        saved_draws=tuple(draw_of(rule) for rule in exam.rules),
        saved_fixed=frozenset(fixed.question_id for fixed in exam.fixed))
