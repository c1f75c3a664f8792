"""Readers of the office's input: scenario JSON and (later) the Excel workbook."""
