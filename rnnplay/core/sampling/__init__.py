"""Generating text from a model: the sampler and the defaults every face starts from."""
