"""Answer checkers for the course's implementation exercises, and how the book poses them.

Each checker takes the student's function, runs it on a fixed set of small edge cases and
seeded random cases, compares every output with what ``mnn``'s reference computes, and returns
a :class:`~mnn.exercises.checking.CheckReport`: which cases passed, and the first failure in
plain words (its inputs, the expected and the received output, where they differ, and the
typical mistake it matches, if any). A function that still raises ``NotImplementedError`` is
reported as not attempted; nothing is raised, so a notebook with unfilled skeletons runs.

Chapter 1 (:mod:`~mnn.exercises.cnn`): :func:`check_conv2d_forward`,
:func:`check_conv2d_backward`, :func:`check_max_pool2d_forward`,
:func:`check_max_pool2d_backward`, :func:`check_flatten`.
Chapter 2 (:mod:`~mnn.exercises.quasi_newton`): :func:`check_bfgs_inverse_update`,
:func:`check_two_loop_recursion`, :func:`check_newton_step`.
Chapter 3 (:mod:`~mnn.exercises.cam`): :func:`check_class_activation_map`,
:func:`check_grad_cam`.
Chapter 4 (:mod:`~mnn.exercises.features`): :func:`check_layer_output`,
:func:`check_gradient_ascent`.
Chapter 5 (:mod:`~mnn.exercises.lrp`): :func:`check_lrp_gamma_dense`.
Chapter 6 (:mod:`~mnn.exercises.autoencoder`): :func:`check_decoder_table`.

**Posing an exercise in a chapter.** Exercises use ``sphinx-exercise``; the book numbers
them per chapter (Exercise 3.2) and shows each solution folded ("dropdown") until the reader
opens it. A proof, a derivation or a question is one markdown cell::

    ````{exercise} Softmax and cross-entropy together
    :label: ex-softmax-delta

    Show that ...
    ````

    ````{solution} ex-softmax-delta
    :class: dropdown

    The derivation ...
    ````

A proof keeps its statement visible as a ``prf:theorem`` (or ``prf:lemma``) and becomes an
exercise ("Prove {prf:ref}`thm-...`") whose solution holds the ``prf:proof``; a directive
inside another needs fewer backticks than the one around it (five around, four inside).

An implementation exercise is a *gated* exercise around two code cells, the skeleton and its
check, followed by a gated solution around the solution cell (seven cells in all)::

    markdown   ```{exercise-start} Max pooling, forward
               :label: ex-pool-forward
               ```
               Write `max_pool2d_forward(a, area)` that ...

    code       def max_pool2d_forward(a, area):
                   '''What it computes, with shapes.'''
                   raise NotImplementedError  # replace this line with your code

    code       exercises.check_max_pool2d_forward(max_pool2d_forward)

    markdown   ```{exercise-end}
               ```

    markdown   ```{solution-start} ex-pool-forward
               :class: dropdown
               ```
               What the solution does, and which mnn call replaces it.

    code       def max_pool2d_forward(a, area):
                   ...
               exercises.check_max_pool2d_forward(max_pool2d_forward).assert_passed()

    markdown   ```{solution-end}
               ```

- The skeleton raises ``NotImplementedError``, so its check reports "not attempted" and the
  notebook still runs top to bottom (nbval, the book build). A student who fills it in and runs
  the two cells gets the report on their own code.
- The solution cell calls the same checker and ends in ``.assert_passed()``, which raises unless
  every case passed: ``make test`` runs every cell, so it proves that every solution passes its
  checker. Give the solution cell the metadata ``{"jupyter": {"source_hidden": true}}`` so that
  JupyterLab shows it folded too. Neither cell is tagged ``nbval-check-output``.
- The code students were asked to write is shown in the solution, next to the ``mnn`` call that
  replaces it; where ``mnn`` keeps the course's version (the loops of :mod:`mnn.nn.reference`),
  the solution prints its source with ``inspect.getsource`` and checks it, instead of a copy.
- Code that the rest of the chapter needs never lives in an exercise: a student who has not
  filled in a skeleton must still be able to run the chapter.
- Import the checkers in a cell of their own after the chapter's imports:
  ``from mnn import exercises``.

**Writing a checker.** A checker lives in the module of its chapter's topic (a new chapter adds
a module and exports its checkers here). It builds :class:`~mnn.exercises.checking.Case`
objects, simplest first (the first failure is the one described in full, so it should be small
enough to read), with the expected outputs computed by ``mnn``'s reference, and seeded random
cases; it lists a few :class:`~mnn.exercises.checking.Mistake` objects (typical wrong answers,
computed from the reference where possible, so that a failing answer can be named); and it calls
:func:`~mnn.exercises.checking.run_checks`. The checkers import no deep-learning framework: a
case holds arrays, such as captured feature maps and their gradients. Their tests
(``tests/test_exercises.py``) check that each accepts the reference and answers computed by an
independent oracle, and rejects at least three typical wrong answers with a report that names
the failing case.
"""

from .autoencoder import check_decoder_table
from .cam import check_class_activation_map, check_grad_cam
from .checking import Case, CheckReport, Mistake, run_checks
from .cnn import (
    check_conv2d_backward,
    check_conv2d_forward,
    check_flatten,
    check_max_pool2d_backward,
    check_max_pool2d_forward,
)
from .features import check_gradient_ascent, check_layer_output
from .lrp import check_lrp_gamma_dense
from .quasi_newton import check_bfgs_inverse_update, check_newton_step, check_two_loop_recursion

__all__ = [
    "Case",
    "CheckReport",
    "Mistake",
    "check_bfgs_inverse_update",
    "check_class_activation_map",
    "check_conv2d_backward",
    "check_conv2d_forward",
    "check_decoder_table",
    "check_flatten",
    "check_grad_cam",
    "check_gradient_ascent",
    "check_layer_output",
    "check_lrp_gamma_dense",
    "check_max_pool2d_backward",
    "check_max_pool2d_forward",
    "check_newton_step",
    "check_two_loop_recursion",
    "run_checks",
]
