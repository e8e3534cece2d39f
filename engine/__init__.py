"""Headless core of the course: content, quizzes, grading, sandbox, runner.

Nothing under engine/ imports Textual; the app in course/ shows what this package reports.
"""

__version__ = "0.1.0"
