"""The book layer: what the chapters need to present the library's results.

The paper's figures and claims (:mod:`~synquant.book.paper`), the experiments that only
the book runs (:mod:`~synquant.book.sensitivity`), figures
(:mod:`~synquant.book.figures`), tables and glue (:mod:`~synquant.book.format`), the
chapters' parameters (:mod:`~synquant.book.parameters`), one module for the pieces of a
single chapter (:mod:`~synquant.book.aware`, :mod:`~synquant.book.insitu`,
:mod:`~synquant.book.optimal_levels`, :mod:`~synquant.book.your_device`), and the build
tooling: sweeps of a chapter over a grid (:mod:`~synquant.book.sweeps`), the student
edition (:mod:`~synquant.book.student`), the index's reading-order table
(:mod:`~synquant.book.reading_order`, a Sphinx extension).

A chapter imports two names: ``import synquant as sq`` (the library) and
``from synquant import book``. The library never imports this layer.
"""

from . import (
    aware,
    figures,
    format,
    insitu,
    optimal_levels,
    paper,
    parameters,
    sensitivity,
    your_device,
)
from .format import glue, say

__all__ = [
    "aware",
    "figures",
    "format",
    "glue",
    "say",
    "insitu",
    "optimal_levels",
    "paper",
    "parameters",
    "sensitivity",
    "your_device",
]
