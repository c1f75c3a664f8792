"""Exporters: pure functions from plans to bytes (review workbook, CSV, …); callers write atomically."""
