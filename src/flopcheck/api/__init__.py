"""The Python API: one function per question the command line answers, taking the CLI's options as keyword
arguments (quantities as numbers or as the CLI's strings) and returning the typed results."""
