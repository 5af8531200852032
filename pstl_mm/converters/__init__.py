"""Offline converters: raw skeleton releases -> PSTL skeleton datasets.

Not imported by ``import pstl_mm`` (which registers the runtime modules).
"""
