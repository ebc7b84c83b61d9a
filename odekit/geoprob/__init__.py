from .exact import *  # noqa
