"""Course pages: the four courses, their lessons (self-study material) with attachments, reading progress;
trainers edit lessons. Being written."""

from flask import Blueprint

bp = Blueprint("courses", __name__, template_folder="templates")
