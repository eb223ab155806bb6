"""A benchmark anyone can rerun: a synthetic national corpus (``generate``) and its runner (``run``)."""
