"""Exam pages: trainers define exams (manage), candidates sit them (take), trainers read results, grade and
regrade (results, marking), collectors practise and keep a wrong-answer book (practice)."""

from flask import Blueprint

bp = Blueprint("exams", __name__, template_folder="../templates")

from app.exams.views import manage, marking, practice, results, take  # noqa: E402,F401  (routes register on bp)
