"""The learner stage: quiz answers scored, progress kept, quizzes exported to learning systems.

Entry points: `engine.learner.grading.grade_quiz(quiz, answers)`,
`engine.learner.progress.ProgressStore` (the learner's saved state) and
`engine.learner.export.export_quizzes(quizzes, format)`.
"""
