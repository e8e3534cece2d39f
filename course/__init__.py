"""The learner's and instructor's side: the Textual app and the `course` command line."""
