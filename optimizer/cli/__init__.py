"""The `slotplan` command line: thin wrappers that call the pipeline stages and map errors to exit codes."""
