"""One module per `course` subcommand; see course.cli for the contract."""
