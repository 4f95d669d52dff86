"""Answers: the core's arithmetic composed with catalog entries into the typed results that are the JSON
contract. Reads no files and prints nothing."""
