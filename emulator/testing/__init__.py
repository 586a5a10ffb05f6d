"""The emulator in users' own test suites: the pytest plugin (``emulator.testing.plugin``,
registered as the ``aoai_emulator`` pytest11 entry point) and an emulator served in a thread
of the current process."""

from .server import Embedded, serve_in_thread

__all__ = ["Embedded", "serve_in_thread"]
