"""threadviz's hook for CPython: watches a program's threads and sends events to threadviz.

Started by `threadviz run` as `python -c BOOTSTRAP PROGRAM ARGS`; see boot.main.
"""
