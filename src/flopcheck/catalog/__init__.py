"""The catalogs: entry models (accelerators, language models, published runs), catalog files and their
problems, lookups with "did you mean", local config.json files, and the model a question is about."""
