"""The `adapt` command line: argument parsing, one function per command, one-line errors."""
