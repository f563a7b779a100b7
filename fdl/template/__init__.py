"""The files of a new project, written by ``fdl init`` (`fdl.newproject`).

Package data, one flat folder: `fdl.newproject.PROJECT_FILES` says where each file goes in the
project. The names here are not the project's own (``config.yaml`` becomes ``fdl.yaml``), so
that this folder is never mistaken for a project by the tools that look for one.
"""
