"""The step library of the acceptance specs, in product words (files, import jobs, records)."""
