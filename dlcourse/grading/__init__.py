"""The instructor's tools. This is the only part of the library that depends on nbgrader."""
