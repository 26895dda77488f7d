"""Line, word and frontmatter-field diffs, and three-way merge.

Pure Python: imports no Django.
"""
