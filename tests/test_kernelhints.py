"""Kernels of the course's environment add "run the cells above first" to a NameError.

The real kernel path (a restart, then a middle cell) is tests/test_notebooks.py's re-run test."""

from __future__ import annotations

from workshop_lib import kernelhints


def test_install_writes_the_environments_kernel_config_once(tmp_path):
    assert kernelhints.install(str(tmp_path))
    path = kernelhints.config_path(str(tmp_path))
    assert path == tmp_path / "etc" / "ipython" / "ipython_kernel_config.py"
    assert 'extensions.append("workshop_lib.kernelhints")' in path.read_text()
    assert kernelhints.install(str(tmp_path))  # again: the same file
    assert path.read_text() == kernelhints.CONFIG


def test_a_config_of_someone_elses_is_left_alone(tmp_path):
    path = kernelhints.config_path(str(tmp_path))
    path.parent.mkdir(parents=True)
    path.write_text("c.InteractiveShellApp.exec_lines = ['import this']\n")
    assert not kernelhints.install(str(tmp_path))
    assert path.read_text() == "c.InteractiveShellApp.exec_lines = ['import this']\n"


def test_a_name_error_gets_the_hint_once():
    try:
        aws  # noqa: B018, F821 - the name a restarted kernel has forgotten
    except NameError as error:
        hinted = kernelhints.with_hint(error)
    assert str(hinted) == (
        "name 'aws' is not defined: if a cell above defines it, run the cells above first "
        "(Run > Run All Above): a restarted kernel has forgotten them"
    )
    assert hinted.name == "aws" and hinted.__traceback__ is not None
    assert kernelhints.with_hint(hinted) is hinted


def test_the_extension_shows_name_errors_with_the_hint():
    shown = []

    class Shell:
        def set_custom_exc(self, types, handler):
            self.types, self.handler = types, handler

        def showtraceback(self, exc_tuple, tb_offset=None):
            shown.append(exc_tuple)

    shell = Shell()
    kernelhints.load_ipython_extension(shell)
    assert shell.types == (NameError,)
    shell.handler(shell, NameError, NameError("name 'ddb' is not defined"), None)
    assert "run the cells above first" in str(shown[0][1])
