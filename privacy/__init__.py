"""Members' rights over their data (GDPR articles 15, 17 and 20): a copy of everything about
them (export, `privacy/export*.py`) and erasure. It sits just below the doors (console, API),
above every app whose data it gathers, so it may read them all; no app below imports it."""
