"""Reports: exports (CSV/XLSX), dashboards with charts, item analysis of exams and questions."""
