"""A layer loaded by import path in tests/test_sandbox.py."""


class _Layer:
    name = "from-path"
    installed = False

    def install(self, aws):
        self.installed = True

    def uninstall(self, aws):
        self.installed = False


def make_layer():
    return _Layer()
