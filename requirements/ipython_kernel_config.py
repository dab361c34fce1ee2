# Configuration of the IPython kernels of the course's environment: `make env` copies it to
# .venv/etc/ipython/, where every kernel started from .venv/bin/python reads it (JupyterLab,
# the book build, nbval).
#
# The kernel application's own warnings are about its connection to Jupyter, not about the
# code in the cells: "Kernel is running over TCP without encryption" was printed once per
# notebook by `make book`, `make test` and `make lab`. Errors are still shown, and so are the
# warnings that code in the cells raises (Python's warnings module, not this log).
c = get_config()  # noqa: F821 (defined by IPython when it reads this file)
c.IPKernelApp.log_level = "ERROR"
