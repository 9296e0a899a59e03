"""The scopes a client's token may hold: one `<resource>:read` per resource, each with a label for the admin."""

from app.core.i18n import lazy_gettext as _l

STAFF_READ = "staff:read"
EXAMS_READ = "exams:read"
RESULTS_READ = "results:read"
EVALUATIONS_READ = "evaluations:read"

# Order = order on the admin page. A new resource adds its scope here (and nothing else in this file).
SCOPES = {
    STAFF_READ: _l("Staff: numbers, names, stations, teams, positions, roles"),
    EXAMS_READ: _l("Exams: titles, courses, windows, pass marks"),
    RESULTS_READ: _l("Results: scores of submitted exam attempts"),
    EVALUATIONS_READ: _l("Evaluations: signed-off totals, ratings and outcomes per training batch"),
}
