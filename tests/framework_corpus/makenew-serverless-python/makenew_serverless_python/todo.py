"""
TODO
"""


def todo(arg):
    "TODO"
    return arg
