"""The content stage: course folders, section pages and quizzes, read into `engine.model`.

Entry point: `engine.content.course.load_course(root)` reads a course folder (lessons as section
Markdown, quizzes as Quiz YAML) into a `Course`. `page` parses one Hugo-style section page,
`quizdown` the quiz blocks inside pages, `quizfile` Quiz YAML (read and written), `importer`
converts whole books into a course folder, and `examples` finds a lesson's runnable examples.
"""
