"""Import formats for question banks. Each turns an uploaded file into drafts (app.banks.drafts) and
issues (app.core.spreadsheets.Issue), never storing anything:

- table: CSV and XLSX in our own format (docs/question-banks.md);
- gift, aiken, moodle_xml: Moodle's formats, so trainers can bring existing banks.

Every format runs the same per-draft checks (app.banks.checks) and reads answer words with the same
helpers (app.banks.answers); what is special to a question type (its words, its answer syntax) the format
asks the type (app.banks.registry). `gift_writing` holds the GIFT syntax the types write their blocks with.
"""
