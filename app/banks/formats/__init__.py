"""Import formats for question banks. Each turns an uploaded file into drafts (app.banks.drafts) and
issues (app.core.spreadsheets.Issue), never storing anything:

- table: CSV and XLSX in our own format (docs/question-banks.md);
- gift, aiken, moodle_xml: Moodle's formats, so trainers can bring existing banks.

Every format runs the same per-draft checks (app.banks.checks) and reads answer words with the same
helpers (app.banks.answers).
"""

from app.banks.formats.table import parse_table

__all__ = ["parse_table"]
