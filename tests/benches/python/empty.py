"""The start-up benchmark of `threadviz run`: a program that does nothing."""
