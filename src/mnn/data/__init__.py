"""Datasets and photographs, offline first and checksummed."""

from .photos import PHOTOS, sample_image

__all__ = ["PHOTOS", "sample_image"]
