"""Why a person may not do something now: a stable code (for tests, the API and the templates) and a translated
message. Exams give their own (closed, no attempts left, …) and training gives the attendance rule's; it lives in
core so training can answer the exams' question without importing exams (exams → training, never back)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    code: str
    message: object  # lazy translation
